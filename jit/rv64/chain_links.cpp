#include "jit/rv64/chain_links.hpp"

#include <algorithm>

#include "jit/rv64/translation_cache.hpp"

namespace strata::jit::rv64 {

void ChainLinks::add_slots(CachedBlock& b) {
  b.exits = std::vector<LinkSlot>(b.block.const_exits.size());
  for (size_t i = 0; i < b.exits.size(); ++i) {
    b.exits[i].svi_pc = b.block.const_exits[i].first;
    b.exits[i].next_pc = b.block.const_exits[i].second;
    b.exits[i].owner = &b;
  }
}

baseline::ChainExits ChainLinks::compile_exits(CachedBlock& b) {
  baseline::ChainExits e;
  e.ctx = &ctx_;
  e.rets.reserve(b.exits.size());
  for (LinkSlot& s : b.exits) e.rets.emplace_back(s.svi_pc, &s.code);
  return e;
}

bool ChainLinks::link(LinkSlot& slot, CachedBlock& to, uint32_t count_weight) {
  if (to.block.start != slot.next_pc || to.func.jit_entry == nullptr || to.has_ref_regs)
    return false;
  if (slot.target != &to) {
    detach(slot);  // linked elsewhere: not reachable while VALIDITY holds, but harmless
    slot.target = &to;
    slot.code.target = &to.func;
    slot.code.unit = &to;
    to.incoming.push_back(&slot);
    ++stats_.links;
  }
  slot.code.count = count_weight != 0 ? &to.opt_count : nullptr;
  slot.code.weight = count_weight;
  return true;
}

void ChainLinks::clear(LinkSlot& s) {
  s.target = nullptr;
  s.code = baseline::ChainSlot{};
}

void ChainLinks::detach(LinkSlot& s) {
  if (s.target == nullptr) return;
  auto& list = s.target->incoming;
  auto it = std::find(list.begin(), list.end(), &s);
  if (it != list.end()) {
    *it = list.back();
    list.pop_back();
  }
  clear(s);
}

void ChainLinks::unlink_all(CachedBlock& b) {
  for (LinkSlot* in : b.incoming) {
    clear(*in);
    ++stats_.cleared;
  }
  b.incoming.clear();
  for (LinkSlot& s : b.exits) {
    if (reinterpret_cast<LinkSlot*>(ctx_.missed) == &s) ctx_.missed = nullptr;
    detach(s);
  }
}

}  // namespace strata::jit::rv64
