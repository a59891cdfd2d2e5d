// A temporary directory for one test, removed with everything in it when the
// object goes away.
#pragma once

#include <string>

namespace logroute::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Reads a whole file; fails the current test when it cannot.
std::string ReadFileOrDie(const std::string& path);
// Writes a whole file; fails the current test when it cannot.
void WriteFileOrDie(const std::string& path, const std::string& content);

}  // namespace logroute::testing
