// Python's str() of a JSON value, for rules that were written as substring tests on Python
// text (the diagnosis classifier's search text, reference §13.2.1): `['text', 'image']`,
// `{'a': 1}`, `None`, `True`, `1.5e-05`.
#pragma once

#include <rapidjson/fwd.h>

#include <string>

namespace gw::catalog {

/// Appends str(v) to `out` as Python 3 prints it for the value json.loads would give; nullptr
/// (an absent key) is `None`. Strings inside containers get repr()'s quotes and escapes
/// (non-ASCII: only the Latin-1 controls and U+2028/U+2029 are escaped, the rest is printed
/// as it is). Containers nested deeper than 32 levels are cut to `...`.
void append_python_str(const rapidjson::Value* v, std::string& out);

/// Python's repr() of a float: the shortest text that reads back the same double, fixed
/// notation for exponents -4..15 (`0.0001`, `1e+16`, `65536.0`), else scientific.
std::string python_float_repr(double d);

} // namespace gw::catalog
