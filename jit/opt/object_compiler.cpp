#include "jit/opt/object_compiler.hpp"

#include <utility>

#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>

namespace strata::jit::opt {

ObjectCompiler::ObjectCompiler(llvm::TargetMachine& tm)
    : IRCompiler(llvm::orc::irManglingOptionsFromTargetOptions(tm.Options)), tm_(tm) {}

namespace {

// LLVM's own -disable-lsr, read when a pipeline is built (TargetPassConfig::addIRPasses).
llvm::cl::opt<bool>* disable_lsr_option() {
  auto& options = llvm::cl::getRegisteredOptions();
  auto it = options.find("disable-lsr");
  return it == options.end() ? nullptr : static_cast<llvm::cl::opt<bool>*>(it->second);
}

}  // namespace

llvm::Expected<std::unique_ptr<ObjectCompiler>> ObjectCompiler::create(llvm::TargetMachine& tm) {
  auto c = std::unique_ptr<ObjectCompiler>(new ObjectCompiler(tm));
  llvm::MCContext* mc = nullptr;
  // addPassesToEmitMC answers true when it cannot.
  bool failed = c->tm_.addPassesToEmitMC(c->passes_, mc, c->out_);
  // The units' pipeline without LSR; the option is put back (STRATA_LLVM_ARGS may have set it).
  llvm::cl::opt<bool>* no_lsr = disable_lsr_option();
  const bool was = no_lsr != nullptr && no_lsr->getValue();
  if (no_lsr != nullptr) no_lsr->setValue(true);
  failed = failed || c->tm_.addPassesToEmitMC(c->unit_passes_, mc, c->out_);
  if (no_lsr != nullptr) no_lsr->setValue(was);
  if (failed)
    return llvm::make_error<llvm::StringError>("the target cannot emit object code",
                                               llvm::inconvertibleErrorCode());
  return c;
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> ObjectCompiler::operator()(llvm::Module& m) {
  std::lock_guard<std::mutex> hold(running_);
  object_.clear();
  (m.getModuleFlag(kGuestUnitFlag) != nullptr ? unit_passes_ : passes_).run(m);
  // Moved out: object_ is left empty and the stream (unbuffered, it only appends to and
  // patches object_) writes the next module's object into it from the start.
  auto buffer = std::make_unique<llvm::SmallVectorMemoryBuffer>(
      std::move(object_), m.getModuleIdentifier() + "-jitted-objectbuffer",
      /*RequiresNullTerminator=*/false);
  // As SimpleCompiler: an object the linker cannot parse is an error here, not later.
  if (auto obj = llvm::object::ObjectFile::createObjectFile(buffer->getMemBufferRef()); !obj)
    return obj.takeError();
  return buffer;
}

}  // namespace strata::jit::opt
