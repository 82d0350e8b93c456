// The driver: files and includes, logical lines, macros, and dispatch of each statement.
#include "assembler/assembler.hpp"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "assembler/lexer.hpp"
#include "assembler/macros.hpp"
#include "assembler/state.hpp"

namespace strata::as {

namespace {

inline constexpr int kMaxIncludeDepth = 32;
inline constexpr uint64_t kMaxFileBytes = uint64_t{64} << 20;
// Bounds the total work of macro expansion and inclusion (exponential macros, include loops).
inline constexpr uint64_t kTokenBudget = uint64_t{1} << 23;

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || !std::filesystem::is_regular_file(path, ec))
    return tl::unexpected(Error{fmt::format("{}: error: cannot read file", path)});
  if (size > kMaxFileBytes)
    return tl::unexpected(Error{fmt::format("{}: error: file too large", path)});
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in) return tl::unexpected(Error{fmt::format("{}: error: cannot read file", path)});
  return ss.str();
}

// Joins physical lines into statements: a line ending in ',' or leaving a '{' open continues.
std::vector<Line> join_lines(std::vector<Line> phys) {
  std::vector<Line> out;
  for (size_t i = 0; i < phys.size(); ++i) {
    Line ln = std::move(phys[i]);
    int depth = 0;
    auto scan = [&](size_t from) {
      for (size_t k = from; k < ln.toks.size(); ++k) {
        if (ln.toks[k].is_punct("{")) ++depth;
        if (ln.toks[k].is_punct("}")) --depth;
      }
    };
    scan(0);
    while (!ln.toks.empty() && ln.toks.back().kind != Tok::Error &&
           (ln.toks.back().is_punct(",") || depth > 0) && i + 1 < phys.size()) {
      size_t from = ln.toks.size();
      ++i;
      for (Token& t : phys[i].toks) ln.toks.push_back(std::move(t));
      scan(from);
    }
    out.push_back(std::move(ln));
  }
  return out;
}

class Driver {
 public:
  explicit Driver(std::string_view filename) {
    st_.files.names.emplace_back(filename);
    st_.mod.name = std::filesystem::path(std::string(filename)).stem().string();
    st_.mod.debug.source = std::string(filename);
  }

  Result<isa::Module> run(std::string_view source) {
    std::vector<Line> lines = join_lines(lex_lines(source, 0));
    int64_t delta = 0;
    STRATA_AS_CHECK(run_lines(lines, &delta, 0, 0));
    STRATA_AS_CHECK(finish_module(st_));
    return std::move(st_.mod);
  }

 private:
  // `delta` maps the physical lines of a file to the lines recorded in the debug table (set by
  // `.line`); it is null for lines produced by a macro, which carry their invocation's line.
  Result<void> run_lines(std::vector<Line>& lines, int64_t* delta, int inc_depth, int mac_depth) {
    for (size_t i = 0; i < lines.size(); ++i) {
      Line& ln = lines[i];
      if (ln.toks.empty()) continue;
      for (const Token& t : ln.toks)
        if (t.kind == Tok::Error) return tl::unexpected(st_.files.error(t.loc, t.text));
      if (ln.toks.size() > budget_)
        return tl::unexpected(
            st_.files.error(ln.toks[0].loc, "too much macro expansion or inclusion"));
      budget_ -= ln.toks.size();
      const Token& h = ln.toks[0];
      Cursor cur(ln.toks, st_.files);
      uint32_t line = delta ? static_cast<uint32_t>(ln.line + *delta) : ln.line;
      if (h.is_ident(".line")) {
        cur.next();
        if (!delta) return tl::unexpected(st_.files.error(h.loc, ".line inside a macro"));
        int64_t n =
            STRATA_TRY(parse_int(st_, cur, 0, std::numeric_limits<uint32_t>::max(), "line number"));
        STRATA_AS_CHECK(cur.expect_end());
        *delta = n - (static_cast<int64_t>(ln.line) + 1);
        continue;
      }
      if (h.is_ident(".macro")) {
        size_t end = i + 1;
        for (; end < lines.size(); ++end) {
          if (lines[end].toks.empty()) continue;
          const Token& b = lines[end].toks[0];
          if (b.is_ident(".endm")) break;
          if (b.is_ident(".macro"))
            return tl::unexpected(st_.files.error(b.loc, "nested .macro (expected .endm first)"));
        }
        if (end == lines.size())
          return tl::unexpected(st_.files.error(h.loc, "unterminated .macro (expected .endm)"));
        Cursor endm(lines[end].toks, st_.files);
        endm.next();
        STRATA_AS_CHECK(endm.expect_end());
        cur.next();
        std::vector<Line> body(std::make_move_iterator(lines.begin() + static_cast<long>(i) + 1),
                               std::make_move_iterator(lines.begin() + static_cast<long>(end)));
        STRATA_AS_CHECK(macros_.define(cur, std::move(body)));
        i = end;
        continue;
      }
      if (h.is_ident(".endm"))
        return tl::unexpected(st_.files.error(h.loc, ".endm without .macro"));
      if (h.is_ident(".include")) {
        cur.next();
        STRATA_AS_CHECK(include(cur, h, inc_depth, mac_depth));
        continue;
      }
      // Labels in front of a macro invocation are a statement of their own.
      size_t k = 0;
      while (k + 1 < ln.toks.size() && ln.toks[k + 1].is_punct(":") &&
             (ln.toks[k].kind == Tok::Ident || ln.toks[k].kind == Tok::Local))
        k += 2;
      if (k < ln.toks.size() && ln.toks[k].kind == Tok::Ident) {
        if (const Macro* m = macros_.find(ln.toks[k].text)) {
          if (k > 0) {
            std::vector<Token> labels(ln.toks.begin(), ln.toks.begin() + static_cast<long>(k));
            Cursor lc(labels, st_.files);
            STRATA_AS_CHECK(statement(lc, line));
          }
          if (mac_depth >= kMaxMacroDepth)
            return tl::unexpected(st_.files.error(
                ln.toks[k].loc,
                fmt::format("macro expansion too deep (limit {})", kMaxMacroDepth)));
          cur.reset(k + 1);
          std::vector<Line> out =
              STRATA_TRY(macros_.expand(*m, cur, ln.toks[k].loc, line, budget_));
          STRATA_AS_CHECK(run_lines(out, nullptr, inc_depth, mac_depth + 1));
          continue;
        }
      }
      STRATA_AS_CHECK(statement(cur, line));
    }
    return {};
  }

  Result<void> statement(Cursor& cur, uint32_t line) {
    const Token& h = *cur.peek();
    bool label = cur.peek(1) && cur.peek(1)->is_punct(":");
    if (h.kind == Tok::Ident && h.text[0] == '.' && !label) {
      cur.next();
      return module_statement(st_, cur, h, line);
    }
    return function_statement(st_, cur, line);
  }

  Result<void> include(Cursor& cur, const Token& h, int inc_depth, int mac_depth) {
    const Token* f = STRATA_TRY(cur.expect(Tok::Str, "file name string"));
    STRATA_AS_CHECK(cur.expect_end());
    if (inc_depth >= kMaxIncludeDepth)
      return tl::unexpected(st_.files.error(
          h.loc, fmt::format("includes nested too deeply (limit {})", kMaxIncludeDepth)));
    std::filesystem::path base(st_.files.names[h.loc.file]);
    std::string path = (base.parent_path() / f->text).string();
    auto text = read_file(path);
    if (!text)
      return tl::unexpected(
          st_.files.error(f->loc, fmt::format("cannot read include file '{}'", path)));
    if (st_.files.names.size() >= 0xffffffffu)
      return tl::unexpected(st_.files.error(h.loc, "too many files"));
    uint32_t id = static_cast<uint32_t>(st_.files.names.size());
    st_.files.names.push_back(path);
    std::vector<Line> lines = join_lines(lex_lines(*text, id));
    int64_t delta = 0;
    return run_lines(lines, &delta, inc_depth + 1, mac_depth);
  }

  AsmState st_;
  Macros macros_;
  uint64_t budget_ = kTokenBudget;
};

}  // namespace

Result<isa::Module> assemble(std::string_view source, std::string_view filename) {
  return Driver(filename).run(source);
}

Result<isa::Module> assemble_file(const std::string& path) {
  std::string text = STRATA_TRY(read_file(path));
  return assemble(text, path);
}

}  // namespace strata::as
