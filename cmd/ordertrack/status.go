package main

import (
	"context"
	"errors"
)

// statusCmd is not built yet.
func (m *Main) statusCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
