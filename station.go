package kiosk

// Station is where a terminal stands: a service hall, a village service
// station, a bank or post-office lobby.
type Station struct {
	Code     string `json:"code" toml:"code"`         // station code
	Name     string `json:"name" toml:"name"`         // 某某村便民服务站
	Terminal string `json:"terminal" toml:"terminal"` // terminal number within the station, e.g. T01
	Division string `json:"division" toml:"division"` // 12-digit statistics division code
	Address  string `json:"address,omitempty" toml:"address"`
	Phone    string `json:"phone,omitempty" toml:"phone"` // enquiry phone printed on receipts
}

// DeviceState is the small set of states a device is summarised into, in one
// place per device family, for the UI, the dock and telemetry.
type DeviceState string

// Device states shared by every device family.
const (
	DeviceReady        DeviceState = "ready"
	DeviceBusy         DeviceState = "busy"
	DevicePaperLow     DeviceState = "paper_low"
	DevicePaperOut     DeviceState = "paper_out"
	DeviceCoverOpen    DeviceState = "cover_open"
	DeviceJam          DeviceState = "jam"
	DeviceFeederEmpty  DeviceState = "feeder_empty"
	DeviceCardPresent  DeviceState = "card_present"
	DeviceError        DeviceState = "error"
	DeviceDisconnected DeviceState = "disconnected"
)

// DeviceStatus is one device's state, as reported in heartbeats.
type DeviceStatus struct {
	Device string      `json:"device"` // idcard, printer, scanner, qr, a4
	State  DeviceState `json:"state"`
	Detail string      `json:"detail,omitempty"` // technician-facing, no personal data
}
