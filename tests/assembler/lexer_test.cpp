#include <gtest/gtest.h>

#include <cmath>

#include "assembler/lexer.hpp"

namespace strata::as {
namespace {

std::vector<Token> toks(std::string_view s) {
  std::vector<Token> out;
  for (auto& l : lex_lines(s, 0))
    for (auto& t : l.toks) out.push_back(t);
  return out;
}

Token one(std::string_view s) {
  auto t = toks(s);
  EXPECT_EQ(t.size(), 1u) << s;
  return t.empty() ? Token{} : t[0];
}

TEST(Lexer, Integers) {
  EXPECT_EQ(one("42").ival, 42);
  EXPECT_EQ(one("-7").ival, -7);
  EXPECT_EQ(one("+7").ival, 7);
  EXPECT_EQ(one("0x2a").ival, 42);
  EXPECT_EQ(one("0X2A").ival, 42);
  EXPECT_EQ(one("0b101").ival, 5);
  EXPECT_EQ(one("1_000_000").ival, 1000000);
  EXPECT_EQ(one("'a'").ival, 'a');
  EXPECT_EQ(one("'\\n'").ival, '\n');
  EXPECT_EQ(one("'\\xff'").ival, 255);
  EXPECT_EQ(one("0xffffffffffffffff").ival, -1);
  EXPECT_EQ(one("18446744073709551615").ival, -1);
  EXPECT_EQ(one("-9223372036854775808").ival, INT64_MIN);
  EXPECT_EQ(one("18446744073709551616").kind, Tok::Error);
  EXPECT_EQ(one("-9223372036854775809").kind, Tok::Error);
  EXPECT_EQ(one("0x1_0000_0000_0000_0000").kind, Tok::Error);
  EXPECT_EQ(one("12ab").kind, Tok::Error);
  EXPECT_EQ(one("0x").kind, Tok::Error);
  EXPECT_EQ(one("0b102").kind, Tok::Error);
}

TEST(Lexer, Floats) {
  EXPECT_EQ(one("1.5").fval, 1.5);
  EXPECT_EQ(one("-0.25e-3").fval, -0.25e-3);
  EXPECT_EQ(one("1e10").fval, 1e10);
  EXPECT_EQ(one("1E+2").fval, 100.0);
  EXPECT_EQ(one("1e400").kind, Tok::Error);  // out of range is an error, not inf
  EXPECT_TRUE(std::isinf(one("-inf").fval));
  EXPECT_LT(one("-inf").fval, 0);
  EXPECT_EQ(one("inf").kind, Tok::Ident);  // a name; values resolve it
  EXPECT_EQ(one("1.5x").kind, Tok::Error);
  EXPECT_EQ(one("1e").kind, Tok::Error);
}

TEST(Lexer, StringsAndEscapes) {
  EXPECT_EQ(one(R"("a\n\t\r\0\\\"\x41")").text, std::string("a\n\t\r\0\\\"A", 8));
  EXPECT_EQ(one("\"abc").kind, Tok::Error);
  EXPECT_EQ(one("\"\\q\"").kind, Tok::Error);
  EXPECT_EQ(one("\"\\x4\"").kind, Tok::Error);
  EXPECT_EQ(one("\"a ; not a comment\"").text, "a ; not a comment");
}

TEST(Lexer, NamesRegistersPunctuation) {
  auto t = toks("loop: add.x %r_1, @top, #3 -> ( ) { } = [ ] ; comment");
  ASSERT_EQ(t.size(), 16u);
  EXPECT_EQ(t[0].kind, Tok::Ident);
  EXPECT_EQ(t[0].text, "loop");
  EXPECT_TRUE(t[1].is_punct(":"));
  EXPECT_EQ(t[2].text, "add.x");
  EXPECT_EQ(t[3].kind, Tok::Reg);
  EXPECT_EQ(t[3].text, "r_1");
  EXPECT_EQ(t[5].kind, Tok::Local);
  EXPECT_EQ(t[5].text, "top");
  EXPECT_EQ(t[7].kind, Tok::Hash);
  EXPECT_EQ(t[7].ival, 3);
  EXPECT_TRUE(t[8].is_punct("->"));
  EXPECT_EQ(one("%").kind, Tok::Error);
  EXPECT_EQ(one("$").kind, Tok::Error);
  EXPECT_EQ(one("\x01").kind, Tok::Error);
}

TEST(Lexer, LinesAndColumns) {
  auto lines = lex_lines("a\n  b c\n\n\td", 3);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1].line, 2u);
  EXPECT_EQ(lines[1].toks[0].loc.col, 3u);
  EXPECT_EQ(lines[1].toks[1].loc.col, 5u);
  EXPECT_EQ(lines[1].toks[1].loc.file, 3u);
  EXPECT_TRUE(lines[2].toks.empty());
  EXPECT_EQ(lines[3].toks[0].loc.line, 4u);
  EXPECT_EQ(lines[3].toks[0].loc.col, 2u);
}

TEST(Lexer, ErrorEndsTheFile) {
  auto lines = lex_lines("a\nb \"open\nc\n", 0);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].toks.back().kind, Tok::Error);
  EXPECT_EQ(lines[1].toks.back().loc.col, 3u);
}

}  // namespace
}  // namespace strata::as
