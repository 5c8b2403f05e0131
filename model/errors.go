package model

import "errors"

// ErrInvalid marks bad input found before anything is written; core's
// ErrInvalid is this same value, so errors.Is matches either.
var ErrInvalid = errors.New("invalid input")
