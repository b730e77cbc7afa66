package probe

// ParseCAURL and SplitTarget reach the parsers of FetchCA's URL and
// ProxyCA's target from the fuzz test without widening the API.
var (
	ParseCAURL  = parseCAURL
	SplitTarget = splitTarget
)
