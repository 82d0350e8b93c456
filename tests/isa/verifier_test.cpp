// One test per table-level verifier rule (signatures, structs, imports, function headers,
// exports, memory, data, debug), each asserting the error text.
#include "isa/verifier.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/isa/builder.hpp"

namespace strata::isa {
namespace {

using namespace test;

#define EXPECT_HAS(haystack, needle)                                      \
  do {                                                                    \
    const std::string h_ = (haystack);                                    \
    EXPECT_NE(h_.find(needle), std::string::npos) << "error was: " << h_; \
  } while (0)

const Word kRet0 = make_abc(Op::Ret, 0, 0, 0);

// A small valid module: sig #0 (i64) -> i64, struct Pair { a: i64, b: ref }, struct Unit {},
// struct One { v: f64 }; function #0 "id"; export "id"; 64 KiB memory, one data segment.
Builder base() {
  Builder b;
  const uint32_t s = b.sig({I}, I);
  b.strukt("Pair", {{"a", I}, {"b", R}});
  b.strukt("Unit", {});
  b.strukt("One", {{"v", F}});
  b.import("env", "f", s);
  b.func("id", s, {F}, {make_abc(Op::Nop, 0, 0, 0), kRet0});
  b.exp("id", 0);
  b.m.memory = Memory{65536, 65536};
  b.m.data.push_back(DataSegment{65530, "123456"});
  return b;
}

std::string check(const Module& m) {
  return error_of(verify(m));
}

TEST(Verify, ValidModulesPass) {
  EXPECT_EQ(check(Module{}), "");
  EXPECT_EQ(check(base().m), "");
  EXPECT_EQ(check(make_rich_module()), "");
}

TEST(Verify, SignatureTypesValid) {
  Builder b = base();
  b.m.sigs[0].params[0] = static_cast<ValType>(9);
  EXPECT_EQ(check(b.m),
            "verify: section 'signatures': signature #0: parameter 0 has invalid type 9");
  b = base();
  b.m.sigs[0].result = static_cast<ValType>(3);
  EXPECT_EQ(check(b.m), "verify: section 'signatures': signature #0: invalid result type 3");
}

TEST(Verify, StructFirstFieldInOrder) {
  Builder b = base();
  b.m.structs[2].first_field = 1;
  EXPECT_EQ(check(b.m),
            "verify: section 'structs': struct 'One' (#2): first field #1, expected #2 "
            "(fields are numbered in struct order)");
}

TEST(Verify, StructFieldsInsideTheTable) {
  Builder b = base();
  b.m.structs[2].field_count = 2;
  EXPECT_EQ(check(b.m),
            "verify: section 'structs': struct 'One' (#2): 2 fields from #2 run past the "
            "field table (3 fields)");
}

TEST(Verify, FieldOwnerAndSlotConsistent) {
  Builder b = base();
  b.m.fields[1].slot = 0;
  EXPECT_HAS(check(b.m),
             "struct 'Pair' (#0): field #1 'b' has owner #0 slot 0, expected owner #0 slot 1");
  b = base();
  b.m.fields[2].owner = 0;
  EXPECT_HAS(check(b.m),
             "struct 'One' (#2): field #2 'v' has owner #0 slot 0, expected owner #2 slot 0");
}

TEST(Verify, FieldTypeValid) {
  Builder b = base();
  b.m.fields[2].field.type = static_cast<ValType>(5);
  EXPECT_HAS(check(b.m), "struct 'One' (#2): field 'v' has invalid type 5");
}

TEST(Verify, EveryFieldBelongsToAStruct) {
  Builder b = base();
  b.m.fields.push_back(FieldRef{2, 1, {"stray", I}});
  EXPECT_EQ(check(b.m),
            "verify: section 'structs': field #3 'stray' belongs to no struct (structs "
            "declare 3 fields, the table has 4)");
}

TEST(Verify, ImportSignatureInRange) {
  Builder b = base();
  b.m.imports[0].sig = 4;
  EXPECT_EQ(check(b.m),
            "verify: section 'imports': import 'env.f' (#0): signature #4 out of range "
            "(module has 1)");
}

TEST(Verify, FunctionSignatureInRange) {
  Builder b = base();
  b.m.funcs[0].sig = 1;
  EXPECT_EQ(check(b.m), "verify: function 'id' (#0): signature #1 out of range (module has 1)");
}

TEST(Verify, AtMost65536Registers) {
  Builder b = base();
  b.m.funcs[0].regs.resize(kMaxRegisters, I);
  EXPECT_EQ(check(b.m), "");
  b.m.funcs[0].regs.push_back(I);
  EXPECT_EQ(check(b.m), "verify: function 'id' (#0): 65537 registers, at most 65536");
}

TEST(Verify, RegistersStartWithTheParameters) {
  Builder b = base();
  b.m.funcs[0].regs.clear();
  EXPECT_EQ(check(b.m),
            "verify: function 'id' (#0): 0 registers but its signature (i64) -> i64 has "
            "1 parameters");
  b = base();
  b.m.funcs[0].regs[0] = R;
  EXPECT_EQ(check(b.m),
            "verify: function 'id' (#0): register %0 has type ref but parameter 0 of "
            "(i64) -> i64 is i64");
}

TEST(Verify, RegisterTypesValid) {
  Builder b = base();
  b.m.funcs[0].regs[1] = static_cast<ValType>(200);
  EXPECT_EQ(check(b.m), "verify: function 'id' (#0): register %1 has invalid type 200");
}

TEST(Verify, RegisterNamesNoneOrOneEach) {
  Builder b = base();
  b.m.funcs[0].reg_names = {"n"};
  EXPECT_EQ(check(b.m),
            "verify: function 'id' (#0): 1 register names for 2 registers (expected none "
            "or one each)");
  b.m.funcs[0].reg_names = {"n", "t"};
  EXPECT_EQ(check(b.m), "");
}

TEST(Verify, ExportFunctionInRange) {
  Builder b = base();
  b.m.exports[0].func = 3;
  EXPECT_EQ(check(b.m),
            "verify: section 'exports': export 'id' (#0): function #3 out of range "
            "(module has 1)");
}

TEST(Verify, ExportNamesUnique) {
  Builder b = base();
  b.exp("other", 0);
  b.exp("id", 0);
  EXPECT_EQ(check(b.m),
            "verify: section 'exports': export 'id' (#2): duplicate name (also export #0)");
}

TEST(Verify, MemoryInitialAtMostMax) {
  Builder b = base();
  b.m.memory.max = 65535;
  EXPECT_EQ(check(b.m), "verify: section 'memory': initial size 65536 exceeds maximum 65535");
}

TEST(Verify, DataInsideInitialMemory) {
  Builder b = base();
  b.m.data[0].offset = 65531;
  EXPECT_EQ(check(b.m),
            "verify: section 'data': segment #0: 6 bytes at offset 65531 lie outside the "
            "initial memory of 65536 bytes");
  b = base();
  b.m.data.push_back(DataSegment{std::numeric_limits<uint64_t>::max(), "xy"});
  EXPECT_HAS(check(b.m), "segment #1: 2 bytes at offset 18446744073709551615 lie outside");
  b = base();
  b.m.data.push_back(DataSegment{65536, ""});  // empty segment at the very end is inside
  EXPECT_EQ(check(b.m), "");
}

TEST(Verify, LineTablesNoneOrOnePerFunction) {
  Builder b = base();
  b.m.debug.lines = {{}, {}};
  EXPECT_EQ(check(b.m),
            "verify: section 'debug': 2 line tables for 1 functions (expected none or "
            "one each)");
}

TEST(Verify, LineTablesSorted) {
  Builder b = base();
  b.m.debug.lines = {{{1, 5}, {1, 6}}};
  EXPECT_EQ(check(b.m),
            "verify: section 'debug': function 'id' (#0) line entry 1 (pc 1, line 6): "
            "not sorted: pc must be greater than the previous entry's 1");
  b.m.debug.lines = {{{0, 5}, {1, 2}}};  // lines may go backwards, pcs may not
  EXPECT_EQ(check(b.m), "");
}

TEST(Verify, LineTablePcsAreInstructionStarts) {
  Builder b = base();
  b.m.debug.lines = {{{2, 5}}};
  EXPECT_HAS(check(b.m), "line entry 0 (pc 2, line 5): pc outside the function (2 words)");
  b = base();
  b.m.funcs[0].code = {make_abc(Op::CallH, 0, 0, 0), make_args(0), kRet0};
  b.m.debug.lines = {{{0, 1}, {1, 2}}};
  EXPECT_HAS(check(b.m), "line entry 1 (pc 1, line 2): pc is not an instruction start");
}

TEST(Verify, FirstErrorIsReported) {
  // Tables are checked before code, code before exports.
  Builder b = base();
  b.m.exports[0].func = 9;
  b.m.funcs[0].code = {make_abc(Op::Nop, 0, 0, 0)};
  EXPECT_HAS(check(b.m), "verify: function 'id' (#0) pc 0: nop: control falls off the end");
}

}  // namespace
}  // namespace strata::isa
