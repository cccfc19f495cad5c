//go:build !linux

package v4l2

import (
	"context"
	"errors"
)

var errNotLinux = errors.New("v4l2 needs Linux")

func probe(dev string) (string, error) { return "", errNotLinux }

func capture(ctx context.Context, c Config) (Frame, error) { return Frame{}, errNotLinux }
