// Package jsonkeys checks that JSON shoal prints or writes uses one key
// style, snake_case: the model file, the labels manifest, the API replies
// and every --json output. Tests call it on Go types (every field a value
// of that type can marshal, set or not) and on the documents themselves.
//
// Caveats: keys of Go maps are data (a where filter's column names, a
// worker's name), not schema, and are not checked; a document check takes
// the names of the keys whose values are such maps.
package jsonkeys
