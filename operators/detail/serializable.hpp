// CerealSerializable<T>: T can be written to and read from a cereal binary archive,
// as every keyed operator's state must be (snapshots, for
// recovery). Includes cereal's support for the standard types keyed state is made of.
// Your own state type needs a `template <class A> void serialize(A& a) { a(x, y); }`
// member (or cereal's save/load pair).
#pragma once

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

namespace sluice {

template <class T>
concept CerealSerializable =
    cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value &&
    cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value;

}  // namespace sluice
