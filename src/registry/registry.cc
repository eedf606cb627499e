// The registry module: the distribution protocol (see docs/design.md).
// This file only anchors the library until its first concept lands.
namespace berth::registry {}
