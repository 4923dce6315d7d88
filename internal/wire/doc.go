// Package wire defines the messages that travel between shoal's
// coordinator and its workers over NATS, the subjects they travel on and
// their binary encoding.
//
// A message is a frame: the magic "SHL1", a little-endian uint32 length,
// a JSON header of that length, then the binary sections the header lists
// (float32, float64, int32 or int64, little-endian, in header order). Small
// fields stay readable in the header; centres, sums and labels travel as
// raw numbers, never as JSON floats, so they round-trip bit for bit.
//
// Core types: Task (what a worker must do), Result (what it sends back),
// JobSpec (what a user asks for) and Model (the model file contract of
// DESIGN.md). Errors that cross the wire carry a stable Code so errors.Is
// works on the coordinator's side (see Error).
//
// # Caveats
//
// A decoded message is within what its receiver may allocate for it:
// DecodeTask refuses a task whose shape (k×d, candidate sets, the rows of
// a dissimilarity matrix) needs more worker memory than MaxCentreValues,
// MaxSets and MaxTaskBytes allow (ErrTaskTooLarge), and DecodeResult a
// result of more than MaxResultParts parts. A worker terminates a refused
// task rather than handing it back.
//
// Decoded slices alias nothing of the input buffer: they are copies, safe to
// keep after the NATS message is acked. Encode and Decode are safe for
// concurrent use.
package wire
