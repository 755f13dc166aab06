//go:build !linux

package main

import (
	"errors"
	"time"
)

var errLinuxOnly = errors.New("measured on Linux only")

func touchAnon(int, bool) (time.Duration, int, error) { return 0, 0, errLinuxOnly }

func touchFile(string) (time.Duration, int, error) { return 0, 0, errLinuxOnly }
