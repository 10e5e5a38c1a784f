// The Python module `nnfit._nnfit` (src/python/): a thin layer over the C++ library that the
// pure-Python package `nnfit` (nnfit/__init__.py) wraps with keyword arguments, docstrings and
// pandas helpers. Configs cross as JSON text, arrays as numpy buffers; nnfit's errors become
// the package's exception classes with the same messages.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <functional>
#include <string>

#include "nnfit/types.hpp"

namespace nnfit::python {

namespace py = pybind11;

// A C-contiguous float32 array as nnfit's row-major Matrix: numpy hands a C-ordered float32
// array over as it is (array_t's forcecast converts anything else: float64, Fortran order,
// strided views), and this copies it once into the library's matrix.
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
Matrix matrix_of(const FloatArray& x, const char* what);
// A matrix as a new numpy array that owns it (no copy).
py::array array_of(Matrix m);

// Polls Python's signal handlers (Ctrl-C) at most every 20 ms, from a thread that released
// the GIL; true once one raised (the exception is kept for raise_if_interrupted).
class SignalPoll {
 public:
  bool operator()();
  // With the GIL held: re-raises what a handler raised (KeyboardInterrupt), if anything.
  void raise_if_interrupted();

 private:
  double last_ = 0;
  bool raised_ = false;
  py::object type_, value_, trace_;
};

void bind_fit(py::module_& m);
void bind_compare(py::module_& m);

}  // namespace nnfit::python
