// SPDX-License-Identifier: GPL-2.0-or-later
// ScoreLog: the one writer of placement scores, recording each change.
#include "vigil/pengine/provenance.hpp"

#include <stdexcept>

#include "vigil/common/score.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::pengine {

namespace {

bool is_infinite(int v) {
  return v >= kInfinity || v <= -kInfinity;
}

// The addend that takes `before` to `after` with saturating addition, if
// there is one (none from an infinite score, nor across the clamp).
std::optional<int> addend(int before, int after) {
  if (is_infinite(before)) return std::nullopt;
  if (is_infinite(after)) return after;
  long long d = static_cast<long long>(after) - before;
  if (d >= kInfinity || d <= -kInfinity) return std::nullopt;
  return static_cast<int>(d);
}

// Sources that name configuration an administrator wrote: listed even when
// they add nothing.
bool is_configured(ScoreSource s) {
  return s == ScoreSource::kLocation || s == ScoreSource::kColocation ||
         s == ScoreSource::kColocatedPrefs;
}

}  // namespace

void ScoreTable::size_for(std::size_t nodes) {
  for (const auto& s : slots_) {
    if (s.present) throw std::logic_error("ScoreTable::size_for on a table with scores");
  }
  slots_.assign(nodes, NodeScore{});
}

ScoreDraft ScoreTable::draft() const {
  ScoreDraft d(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) d[i] = {slots_[i].weight, slots_[i].present};
  return d;
}

int apply_score_op(ScoreOp op, int score, int value) {
  if (op == ScoreOp::kSet) return Score(value).value();
  return (Score(score) + Score(value)).value();
}

int replay_scores(const std::vector<const ScoreRecord*>& records) {
  int score = 0;
  for (const ScoreRecord* r : records) score = apply_score_op(r->op, score, r->value);
  return score;
}

void ScoreLog::append(const Resource& rsc, std::size_t node, NodeScore& slot, ScoreOp op, int value,
                      const Cause& why) {
  if (!slot.present) {
    slot.present = true;
    slot.weight = 0;
  }
  slot.weight = apply_score_op(op, slot.weight, value);
  // The resource and node are the chain's (NodeScore::last), not stored.
  records_.push_back({value, slot.weight, slot.last, why.ref, why.aux, why.source, op});
  slot.last = static_cast<std::int32_t>(records_.size()) - 1;
}

void ScoreLog::add(Resource& rsc, const Node& node, int delta, Cause why) {
  auto i = static_cast<std::size_t>(node.index);
  NodeScore& slot = rsc.allowed.slots_[i];
  if (slot.present && delta == 0 && !is_configured(why.source)) return;
  append(rsc, i, slot, ScoreOp::kAdd, delta, why);
}

void ScoreLog::set(Resource& rsc, const Node& node, int value, Cause why) {
  auto i = static_cast<std::size_t>(node.index);
  append(rsc, i, rsc.allowed.slots_[i], ScoreOp::kSet, value, why);
}

void ScoreLog::commit(Resource& rsc, const ScoreDraft& draft, Cause why) {
  auto& slots = rsc.allowed.slots_;
  if (draft.size() != slots.size()) throw std::logic_error("ScoreLog::commit: draft size");
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const DraftScore& d = draft[i];
    NodeScore& slot = slots[i];
    // A draft only adds to what it copied: an entry it lacks is unchanged.
    if (!d.present || (slot.present && slot.weight == d.weight)) continue;
    if (auto delta = addend(slot.present ? slot.weight : 0, d.weight)) {
      append(rsc, i, slot, ScoreOp::kAdd, *delta, why);
    } else {
      append(rsc, i, slot, ScoreOp::kSet, d.weight, why);
    }
  }
}

std::int32_t ScoreLog::remember(const cib::OpHistory* op) {
  ops_.push_back(op);
  return static_cast<std::int32_t>(ops_.size()) - 1;
}

const cib::OpHistory* ScoreLog::op(std::int32_t ref) const {
  if (ref < 0 || static_cast<std::size_t>(ref) >= ops_.size()) return nullptr;
  return ops_[static_cast<std::size_t>(ref)];
}

std::vector<const ScoreRecord*> ScoreLog::history(const NodeScore& entry) const {
  std::vector<const ScoreRecord*> out;
  for (std::int32_t i = entry.last; i >= 0; i = records_[static_cast<std::size_t>(i)].prev) {
    out.push_back(&records_[static_cast<std::size_t>(i)]);
  }
  return {out.rbegin(), out.rend()};
}

int ScoreLog::score(const NodeScore& entry) const {
  return entry.last < 0 ? 0 : records_[static_cast<std::size_t>(entry.last)].result;
}

}  // namespace vigil::pengine
