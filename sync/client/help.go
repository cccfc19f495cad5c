package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/bianmin/kiosk/sync/api"
)

// RaiseHelp raises a resident's call for staff with the platform's service
// desk (idempotent by call ID) and returns where it stands: raised, or
// already acknowledged.
func (c *Client) RaiseHelp(ctx context.Context, call api.HelpCall) (*api.HelpCallState, error) {
	var st api.HelpCallState
	if _, err := c.do(ctx, http.MethodPost, api.PathHelp, call, &st); err != nil {
		return nil, fmt.Errorf("help: %w", err)
	}
	if st.ID != call.ID {
		return nil, fmt.Errorf("help: answer for another call: %w", ErrNotPlatform)
	}
	return &st, nil
}

// HelpState asks where a raised call stands.
func (c *Client) HelpState(ctx context.Context, id string) (*api.HelpCallState, error) {
	var st api.HelpCallState
	if _, err := c.do(ctx, http.MethodGet, api.PathHelp+"/"+url.PathEscape(id), nil, &st); err != nil {
		return nil, fmt.Errorf("help state: %w", err)
	}
	if st.ID != id {
		return nil, fmt.Errorf("help state: answer for another call: %w", ErrNotPlatform)
	}
	return &st, nil
}
