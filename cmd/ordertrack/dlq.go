package main

import (
	"context"
	"errors"
)

// dlqCmd is not built yet.
func (m *Main) dlqCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
