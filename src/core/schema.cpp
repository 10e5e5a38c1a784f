#include "nnfit/schema.hpp"

namespace nnfit {

std::string Bounds::text() const {
  const bool bounded_below = low > -std::numeric_limits<double>::infinity();
  const bool bounded_above = high < std::numeric_limits<double>::infinity();
  if (!bounded_below && !bounded_above) return "";
  // Bounds far beyond any sensible value are guards against nonsense, not limits worth
  // printing: "number > 0" rather than "number in (0, 1e+06]".
  if (!bounded_above || high >= 1e6) return (low_open ? " > " : " >= ") + format_number(low);
  return std::string(" in ") + (low_open ? "(" : "[") + format_number(low) + ", " +
         format_number(high) + (high_open ? ")" : "]");
}

std::string describe_default(const FieldInfo& field) {
  if (field.required) return "required";
  if (!field.default_note.empty()) return field.default_note;
  if (field.default_value.is_null()) return "none";
  // Built with append: GCC 12 warns (-Wrestrict, a false alarm, GCC bug 105329) on
  // literal + string + literal here.
  std::string text = field.default_value.is_string() ? field.default_value.dump()
                     : field.default_value.is_number_float()
                         ? format_number(field.default_value.get<double>())
                         : field.default_value.dump();
  return std::string("`").append(text).append("`");
}

}  // namespace nnfit
