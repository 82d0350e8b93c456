#include "assembler/lexer.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace strata::as {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_name(std::string_view s) {
  if (s.empty() || !is_name_start(s[0])) return false;
  for (char c : s)
    if (!is_name_char(c)) return false;
  return true;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::Ident: return fmt::format("'{}'", t.text);
    case Tok::Reg: return fmt::format("'%{}'", t.text);
    case Tok::Local: return fmt::format("'@{}'", t.text);
    case Tok::Int: return "integer";
    case Tok::Float: return "float";
    case Tok::Str: return "string";
    case Tok::Hash: return "constant index";
    case Tok::Punct: return fmt::format("'{}'", t.text);
    case Tok::Error: return "error";
  }
  return "token";
}

namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

class Lexer {
 public:
  Lexer(std::string_view text, uint32_t file) : s_(text), file_(file) {}

  std::vector<Line> run() {
    std::vector<Line> lines;
    Line cur;
    cur.line = line_;
    bool stop = false;
    while (!stop && i_ < s_.size()) {
      char c = s_[i_];
      if (c == '\n') {
        lines.push_back(std::move(cur));
        cur = Line{};
        ++i_;
        ++line_;
        line_start_ = i_;
        cur.line = line_;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
        continue;
      }
      if (c == ';') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      Token t = next_token();
      stop = t.kind == Tok::Error;
      cur.toks.push_back(std::move(t));
    }
    lines.push_back(std::move(cur));
    return lines;
  }

 private:
  Loc loc_at(size_t pos) const {
    return Loc{file_, line_, static_cast<uint32_t>(pos - line_start_ + 1)};
  }
  Token make(Tok k, size_t start) const {
    Token t;
    t.kind = k;
    t.loc = loc_at(start);
    t.len = static_cast<uint32_t>(i_ - start);
    return t;
  }
  Token error(size_t at, std::string msg) const {
    Token t;
    t.kind = Tok::Error;
    t.loc = loc_at(at);
    t.text = std::move(msg);
    return t;
  }

  Token next_token() {
    size_t start = i_;
    char c = s_[i_];
    if (c == '%' || c == '@') {
      ++i_;
      while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
      if (i_ == start + 1) return error(start, fmt::format("expected a name after '{}'", c));
      Token t = make(c == '%' ? Tok::Reg : Tok::Local, start);
      t.text = std::string(s_.substr(start + 1, i_ - start - 1));
      return t;
    }
    if (c == '#') {
      ++i_;
      size_t d = i_;
      uint64_t v = 0;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        if (v > 0xffffffffu) return error(start, "constant index out of range");
        v = v * 10 + static_cast<uint64_t>(s_[i_] - '0');
        ++i_;
      }
      if (i_ == d) return error(start, "expected digits after '#'");
      Token t = make(Tok::Hash, start);
      t.ival = static_cast<int64_t>(v);
      return t;
    }
    if (c == '"') return string_lit();
    if (c == '\'') return char_lit();
    bool sign = (c == '-' || c == '+') && i_ + 1 < s_.size();
    if ((c >= '0' && c <= '9') || (sign && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9')) return number();
    if (c == '-' && s_.substr(i_, 4) == "-inf" &&
        (i_ + 4 >= s_.size() || !is_name_char(s_[i_ + 4]))) {
      i_ += 4;
      Token t = make(Tok::Float, start);
      t.fval = -std::numeric_limits<double>::infinity();
      return t;
    }
    if (is_name_start(c)) {
      while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
      Token t = make(Tok::Ident, start);
      t.text = std::string(s_.substr(start, i_ - start));
      return t;
    }
    if (c == '-' && i_ + 1 < s_.size() && s_[i_ + 1] == '>') {
      i_ += 2;
      Token t = make(Tok::Punct, start);
      t.text = "->";
      return t;
    }
    static constexpr std::string_view kPunct = ",:(){}=[]";
    if (kPunct.find(c) != std::string_view::npos) {
      ++i_;
      Token t = make(Tok::Punct, start);
      t.text = std::string(1, c);
      return t;
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      return error(start,
                   fmt::format("unexpected character 0x{:02x}", static_cast<unsigned char>(c)));
    return error(start, fmt::format("unexpected character '{}'", c));
  }

  // Reads one possibly escaped character of a string or character literal into `out`.
  // Returns an error message, or empty on success.
  std::string escape(std::string& out) {
    char c = s_[i_++];
    if (c != '\\') {
      out += c;
      return {};
    }
    if (i_ >= s_.size() || s_[i_] == '\n') return "unterminated escape sequence";
    char e = s_[i_++];
    switch (e) {
      case 'n': out += '\n'; return {};
      case 't': out += '\t'; return {};
      case 'r': out += '\r'; return {};
      case '0': out += '\0'; return {};
      case '\\': out += '\\'; return {};
      case '"': out += '"'; return {};
      case '\'': out += '\''; return {};
      case 'x': {
        if (i_ + 2 > s_.size() || digit_value(s_[i_]) > 15 || digit_value(s_[i_ + 1]) > 15)
          return "expected two hex digits after \\x";
        out += static_cast<char>(digit_value(s_[i_]) * 16 + digit_value(s_[i_ + 1]));
        i_ += 2;
        return {};
      }
      default: return fmt::format("unknown escape sequence '\\{}'", e);
    }
  }

  Token string_lit() {
    size_t start = i_++;
    std::string out;
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n') return error(start, "unterminated string literal");
      if (s_[i_] == '"') {
        ++i_;
        break;
      }
      size_t at = i_;
      if (auto e = escape(out); !e.empty()) return error(at, e);
    }
    Token t = make(Tok::Str, start);
    t.text = std::move(out);
    return t;
  }

  Token char_lit() {
    size_t start = i_++;
    std::string out;
    if (i_ >= s_.size() || s_[i_] == '\n' || s_[i_] == '\'')
      return error(start, "empty or unterminated character literal");
    if (auto e = escape(out); !e.empty()) return error(start, e);
    if (i_ >= s_.size() || s_[i_] != '\'') return error(start, "unterminated character literal");
    ++i_;
    Token t = make(Tok::Int, start);
    t.ival = static_cast<unsigned char>(out[0]);
    return t;
  }

  // Integers: decimal, 0x, 0b, with '_' separators; a value is accepted if it fits in 64 bits
  // either signed or unsigned (so 0xffffffffffffffff is -1). Floats: decimal with '.' or an
  // exponent.
  Token number() {
    size_t start = i_;
    bool neg = false;
    if (s_[i_] == '-' || s_[i_] == '+') neg = s_[i_++] == '-';
    int base = 10;
    if (s_[i_] == '0' && i_ + 1 < s_.size() && (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'X')) {
      base = 16;
      i_ += 2;
    } else if (s_[i_] == '0' && i_ + 1 < s_.size() && (s_[i_ + 1] == 'b' || s_[i_ + 1] == 'B')) {
      base = 2;
      i_ += 2;
    }
    size_t digits_start = i_;
    while (i_ < s_.size() && (is_name_char(s_[i_]))) {
      char d = s_[i_];
      if (base == 10 && (d == 'e' || d == 'E' || d == '.')) break;
      ++i_;
    }
    bool is_float = false;
    if (base == 10 && i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) {
      is_float = true;
      if (s_[i_] == '.') {
        ++i_;
        while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '_')) ++i_;
      }
      if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
        ++i_;
        if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
        size_t e0 = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        if (i_ == e0) return error(start, "expected digits in float exponent");
      }
      if (i_ < s_.size() && is_name_char(s_[i_])) return error(start, "malformed float literal");
    }
    std::string clean;
    for (size_t k = is_float ? start : digits_start; k < i_; ++k)
      if (s_[k] != '_') clean += s_[k];
    if (is_float) {
      double v = 0;
      auto [p, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v);
      if (ec != std::errc() || p != clean.data() + clean.size())
        return error(start, "malformed float literal");
      Token t = make(Tok::Float, start);
      t.fval = v;
      return t;
    }
    if (clean.empty()) return error(start, "expected digits in integer literal");
    uint64_t mag = 0;
    for (char d : clean) {
      int v = digit_value(d);
      if (v >= base) return error(start, "malformed integer literal");
      uint64_t ub = static_cast<uint64_t>(base);
      if (mag > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(v)) / ub)
        return error(start, "integer literal out of 64-bit range");
      mag = mag * ub + static_cast<uint64_t>(v);
    }
    if (neg && mag > (uint64_t{1} << 63))
      return error(start, "integer literal out of 64-bit range");
    Token t = make(Tok::Int, start);
    t.ival = static_cast<int64_t>(neg ? uint64_t{0} - mag : mag);
    return t;
  }

  std::string_view s_;
  uint32_t file_;
  size_t i_ = 0;
  uint32_t line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

std::vector<Line> lex_lines(std::string_view text, uint32_t file) {
  return Lexer(text, file).run();
}

}  // namespace strata::as
