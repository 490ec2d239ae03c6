package main

import (
	"context"
	"errors"
)

// benchCmd is not built yet.
func (m *Main) benchCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
