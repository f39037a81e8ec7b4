package browsertest

import (
	"os"
	"testing"
)

// TestMain stops the Chromium the tests share once they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	StopChromium()
	os.Exit(code)
}
