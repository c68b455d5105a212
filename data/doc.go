// Package data turns a user's table into model-ready, reproducible data.
// It reads CSV and Parquet files, infers each column's type, selects the
// target, features and ids, and splits the rows. It then fits the
// preprocessing (imputation, one-hot encoding, scaling, target transform)
// on the training rows only.
//
// # Reading
//
// CSV files may be separated by ',', ';' or tab (detected from the header
// unless set), use a decimal point or, when set, a decimal comma, start
// with a UTF-8 byte order mark, and end lines with LF or CRLF. Quoted
// fields may hold delimiters, doubled quotes and line breaks. Line numbers
// in messages are physical lines of the file, counting the header and the
// line breaks inside quoted fields. Blank lines are skipped. Spaces and tabs
// around a cell are ignored.
//
// Parquet files (by a .parquet extension) may have flat boolean, integer,
// floating-point and string columns; nulls and NaN are missing cells.
//
// # Column types
//
// After the missing-value markers are set aside, a column whose cells are
// all numbers is numeric and one whose cells are all text is categorical.
// A column with both is an error, never a silent switch of type: when
// numbers are the majority, the first text cell is reported (ErrNonNumeric,
// a typo or a unit typed into a value); otherwise the first number is
// (ErrMixedColumn), with a hint to force the column categorical. Values
// must be finite: "inf", "-Infinity" and numbers beyond the float32 range
// (about ±3.4e38) are errors (ErrNonFinite), as is "nan" unless it is a
// missing marker. Numbers are stored as float32, about 7 significant
// digits.
//
// # Errors
//
// Problems with file content are *ParseError values naming the file,
// line, column and value, wrapping a sentinel error and giving a hint.
// Bad option values wrap ErrInvalidOption. Findings that do not stop the
// work, such as rows left out for a missing target, are returned as
// Warning values; the package never logs.
//
// # Invariants
//
// A Table's storage is never modified after reading: Subset and the parts
// of a split are views that share it. The same files, options and seed give
// the same split, the same preprocessing and the same fingerprint.
package data
