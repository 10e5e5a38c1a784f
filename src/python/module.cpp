// PYBIND11_MODULE(_nnfit): the exception classes, the version, and the bindings
// (fit_bindings.cpp, compare_bindings.cpp).
#include <chrono>

#include "bindings.hpp"
#include "nnfit/error.hpp"
#include "nnfit/version.hpp"

namespace nnfit::python {

Matrix matrix_of(const FloatArray& x, const char* what) {
  if (x.ndim() != 2)
    throw ConfigError(std::string(what) + ": expected a 2-D array (rows x features), got " +
                      std::to_string(x.ndim()) + "-D");
  return Eigen::Map<const Matrix>(x.data(), static_cast<Index>(x.shape(0)),
                                  static_cast<Index>(x.shape(1)));
}

py::array array_of(Matrix m) {
  auto* owned = new Matrix(std::move(m));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<Matrix*>(p); });
  return py::array_t<float>({owned->rows(), owned->cols()},
                            {static_cast<py::ssize_t>(owned->cols() * sizeof(float)),
                             static_cast<py::ssize_t>(sizeof(float))},
                            owned->data(), free_when_done);
}

bool SignalPoll::operator()() {
  if (raised_) return true;
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now - last_ < 0.02) return false;
  last_ = now;
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    PyObject *type = nullptr, *value = nullptr, *trace = nullptr;
    PyErr_Fetch(&type, &value, &trace);
    type_ = py::reinterpret_steal<py::object>(type);
    value_ = py::reinterpret_steal<py::object>(value);
    trace_ = py::reinterpret_steal<py::object>(trace);
    raised_ = true;
  }
  return raised_;
}

void SignalPoll::raise_if_interrupted() {
  if (!raised_) return;
  raised_ = false;
  PyErr_Restore(type_.release().ptr(), value_.release().ptr(), trace_.release().ptr());
  throw py::error_already_set();
}

}  // namespace nnfit::python

PYBIND11_MODULE(_nnfit, m) {
  namespace py = pybind11;
  m.doc() = "nnfit's C++ library; use the `nnfit` package, which wraps this module.";
  m.attr("__version__") = nnfit::kVersion;
  // nnfit.Error and its kinds; the package re-exports them. Registered most derived last, so
  // that pybind11 tries them first.
  static py::exception<nnfit::Error> error(m, "Error");
  static py::exception<nnfit::ConfigError> config_error(m, "ConfigError", error.ptr());
  static py::exception<nnfit::DataError> data_error(m, "DataError", error.ptr());
  static py::exception<nnfit::DivergedError> diverged_error(m, "DivergedError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const nnfit::ConfigError& e) {
      config_error(e.what());
    } catch (const nnfit::DataError& e) {
      data_error(e.what());
    } catch (const nnfit::DivergedError& e) {
      diverged_error(e.what());
    } catch (const nnfit::Error& e) {
      error(e.what());
    }
  });
  nnfit::python::bind_fit(m);
  nnfit::python::bind_compare(m);
}
