package wire

import "errors"

// Decoding.
var (
	// ErrDecode is returned when bytes are not a valid frame or a frame does
	// not hold a valid message.
	ErrDecode = errors.New("wire: malformed message")

	// ErrTaskTooLarge is returned by DecodeTask when a task's shape (k×d,
	// candidate sets, the rows of a dissimilarity matrix) asks a worker
	// for more memory than MaxCentreValues, MaxSets and MaxTaskBytes allow.
	ErrTaskTooLarge = errors.New("wire: task needs more memory than a worker may use")
)

// Code is a stable error code that survives the trip over NATS, so that
// errors.Is works on the receiving side.
type Code string

const (
	// CodeBadInput means the task's input is unusable (missing file,
	// unreadable column, null value): retrying cannot help.
	CodeBadInput Code = "bad_input"
	// CodeInternal means the worker failed for another reason; a retry on
	// another worker may succeed.
	CodeInternal Code = "internal"
	// CodeTooLarge means the task would need more memory than allowed.
	CodeTooLarge Code = "too_large"
)

// Error is an error carried in a Result.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same code, so that a
// decoded error matches the sentinels below.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels to match remote errors against with errors.Is.
var (
	// ErrBadInput is matched by remote errors with CodeBadInput.
	ErrBadInput = &Error{Code: CodeBadInput, Message: "bad input"}
	// ErrInternal is matched by remote errors with CodeInternal.
	ErrInternal = &Error{Code: CodeInternal, Message: "internal error"}
	// ErrTooLarge is matched by remote errors with CodeTooLarge.
	ErrTooLarge = &Error{Code: CodeTooLarge, Message: "too large"}
)

// NewError builds the wire form of err with code c.
func NewError(c Code, err error) *Error {
	return &Error{Code: c, Message: err.Error()}
}
