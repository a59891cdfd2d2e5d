// The identity of the build, for --version and bug reports.
#pragma once

#include <string>
#include <string_view>

namespace logroute {

// The project version ("0.1.0").
std::string_view Version();
// The git revision the build was configured from (12 hex digits), or
// "unknown" when the sources were not a git checkout (a release tarball).
std::string_view GitRevision();
// The CMake build type ("RelWithDebInfo"), or "unknown".
std::string_view BuildType();

// "logroute-recv 0.1.0 (revision 0123456789ab, RelWithDebInfo build)".
std::string VersionLine(std::string_view tool);

}  // namespace logroute
