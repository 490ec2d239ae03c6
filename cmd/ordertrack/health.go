package main

import (
	"context"
	"errors"
)

// healthCmd is not built yet.
func (m *Main) healthCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
