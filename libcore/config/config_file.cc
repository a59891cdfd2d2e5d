#include "libcore/config/config_file.h"

#include "libcore/base/file_util.h"

namespace logroute::config {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A cursor over the text that knows its line, so that every error names one.
class Scanner {
 public:
  Scanner(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  Result<std::vector<ConfigEntry>> Parse() {
    std::vector<ConfigEntry> entries;
    while (pos_ < text_.size()) {
      SkipSpace();
      if (AtLineEnd()) {
        NextLine();
        continue;
      }
      if (Peek() == '#' || Peek() == ';') {
        SkipToLineEnd();
        continue;
      }
      if (Peek() == '[') {
        return Error(
            "sections ([...]) are not used: one file serves every tool, and each tool takes "
            "the keys of its own options");
      }
      ConfigEntry entry;
      entry.line = line_;
      LOGROUTE_RETURN_IF_ERROR(ParseEntry(&entry));
      for (const ConfigEntry& earlier : entries) {
        if (SameKey(earlier.key, entry.key)) {
          return Status::Usage(path_ + ":" + std::to_string(entry.line) + ": key '" + entry.key +
                               "' is already set on line " + std::to_string(earlier.line));
        }
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

 private:
  static bool SameKey(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      const char x = a[i] == '_' ? '-' : a[i], y = b[i] == '_' ? '-' : b[i];
      if (x != y) return false;
    }
    return true;
  }

  Status ParseEntry(ConfigEntry* entry) {
    const size_t key_start = pos_;
    while (pos_ < text_.size() && IsKeyChar(Peek())) ++pos_;
    entry->key = std::string(text_.substr(key_start, pos_ - key_start));
    SkipSpace();
    if (entry->key.empty() || AtLineEnd() || Peek() != '=') {
      return Error("expected 'key = value' (a key holds letters, digits, '_' and '-')");
    }
    ++pos_;
    SkipSpace();
    if (!AtLineEnd() && Peek() == '[') {
      ++pos_;
      entry->is_list = true;
      return ParseList(&entry->values);
    }
    std::string value;
    if (!AtLineEnd() && (Peek() == '"' || Peek() == '\'')) {
      LOGROUTE_RETURN_IF_ERROR(ParseQuoted(&value));
      LOGROUTE_RETURN_IF_ERROR(ExpectLineEnd());
    } else {
      const size_t start = pos_;
      SkipToLineEnd();
      size_t end = pos_;
      while (end > start && IsSpace(text_[end - 1])) --end;
      value = std::string(text_.substr(start, end - start));
    }
    entry->values.push_back(std::move(value));
    return Status::Ok();
  }

  // After the '[': items, quoted or bare, separated by ',', up to the ']',
  // over as many lines as it takes (comment lines allowed in between).
  Status ParseList(std::vector<std::string>* values) {
    const int first_line = line_;
    for (;;) {
      SkipSpace();
      if (pos_ == text_.size()) return Unclosed(first_line);
      if (AtLineEnd()) {
        NextLine();
        continue;
      }
      if (Peek() == '#') {
        SkipToLineEnd();
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return ExpectLineEnd();
      }
      std::string item;
      if (Peek() == '"' || Peek() == '\'') {
        LOGROUTE_RETURN_IF_ERROR(ParseQuoted(&item));
      } else {
        const size_t start = pos_;
        while (!AtLineEnd() && Peek() != ',' && Peek() != ']') ++pos_;
        size_t end = pos_;
        while (end > start && IsSpace(text_[end - 1])) --end;
        item = std::string(text_.substr(start, end - start));
        if (item.empty()) return Error("an empty item in a list");
      }
      values->push_back(std::move(item));
      SkipSpace();
      if (!AtLineEnd() && Peek() == ',') {
        ++pos_;
      } else if (AtLineEnd() || Peek() != ']') {
        SkipBlankAndCommentLines();
        if (pos_ == text_.size()) return Unclosed(first_line);
        if (Peek() != ']') return Error("expected ',' or ']' in a list");
      }
    }
  }

  Status Unclosed(int first_line) const {
    return Status::Usage(path_ + ":" + std::to_string(first_line) +
                         ": the list opened here has no closing ']'");
  }

  void SkipBlankAndCommentLines() {
    for (;;) {
      SkipSpace();
      if (pos_ < text_.size() && Peek() == '#') SkipToLineEnd();
      if (pos_ == text_.size() || Peek() != '\n') return;
      NextLine();
    }
  }

  Status ParseQuoted(std::string* out) {
    const char quote = text_[pos_++];
    while (!AtLineEnd() && Peek() != quote) {
      char c = text_[pos_++];
      if (c == '\\' && quote == '"') {
        if (AtLineEnd()) break;
        switch (const char escaped = text_[pos_++]) {
          case '"':
          case '\\':
            c = escaped;
            break;
          case 't':
            c = '\t';
            break;
          case 'n':
            c = '\n';
            break;
          default:
            return Error(std::string("unknown escape \\") + escaped +
                         " (use \\\" \\\\ \\t or \\n, or single quotes)");
        }
      }
      out->push_back(c);
    }
    if (AtLineEnd()) return Error(std::string("no closing ") + quote + " on this line");
    ++pos_;
    return Status::Ok();
  }

  Status ExpectLineEnd() {
    SkipSpace();
    if (!AtLineEnd() && Peek() != '#') return Error("unexpected text after the value");
    SkipToLineEnd();
    return Status::Ok();
  }

  Status Error(const std::string& what) const {
    return Status::Usage(path_ + ":" + std::to_string(line_) + ": " + what);
  }

  char Peek() const { return text_[pos_]; }
  bool AtLineEnd() const { return pos_ == text_.size() || text_[pos_] == '\n'; }
  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  void SkipToLineEnd() {
    while (!AtLineEnd()) ++pos_;
  }
  void NextLine() {
    if (pos_ < text_.size()) ++pos_;
    ++line_;
  }

  std::string_view text_;
  const std::string& path_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Result<std::vector<ConfigEntry>> ParseConfigText(std::string_view text, const std::string& path) {
  return Scanner(text, path).Parse();
}

Result<std::vector<ConfigEntry>> ReadConfigFile(const std::string& path) {
  Result<std::string> text = ReadFile(*Env::Default(), path);
  if (!text.ok()) {
    return Status::Usage("cannot read the config file: " + text.status().message());
  }
  return ParseConfigText(*text, path);
}

}  // namespace logroute::config
