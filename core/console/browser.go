package console

import (
	"errors"
	"os/exec"
	"runtime"
)

// OpenBrowser asks the desktop to open url in the default browser
// (xdg-open, open, or the Windows URL handler) and does not wait for it.
// It fails when there is no such opener, as on a server without a desktop.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return errors.New("no xdg-open to open a browser with")
		}
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
