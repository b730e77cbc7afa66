package jvmflags

import (
	"fmt"
	"strings"

	"github.com/proxykit/proxykit/proxyenv"
)

// The JDK's networking and TLS properties this package writes (see the
// JDK's "Networking Properties" and JSSE reference guide).
const (
	HTTPProxyHost     = "http.proxyHost"     // proxy for http:// URLs
	HTTPProxyPort     = "http.proxyPort"     // default 80
	HTTPSProxyHost    = "https.proxyHost"    // proxy for https:// URLs (CONNECT)
	HTTPSProxyPort    = "https.proxyPort"    // default 443, not http.proxyPort
	HTTPNonProxyHosts = "http.nonProxyHosts" // used for http and https; there is no https.nonProxyHosts
	FTPProxyHost      = "ftp.proxyHost"      // proxy for ftp:// URLs
	FTPProxyPort      = "ftp.proxyPort"      // default 80
	FTPNonProxyHosts  = "ftp.nonProxyHosts"  // ftp's own list

	// TunnelingDisabledSchemes lists the authentication schemes the JDK
	// refuses for a proxy during HTTPS tunnelling (CONNECT). Since 8u111 its
	// default is "Basic", so Basic proxy authentication for https:// URLs
	// needs it set to the empty value.
	TunnelingDisabledSchemes = "jdk.http.auth.tunneling.disabledSchemes"

	TrustStore         = "javax.net.ssl.trustStore"
	TrustStoreType     = "javax.net.ssl.trustStoreType"
	TrustStorePassword = "javax.net.ssl.trustStorePassword"
)

// ProxyKeys lists every property [ProxyProperties] may set. Put it in
// [Patch.Remove] next to the properties in [Patch.Set], so that a proxy no
// longer configured (an ftp_proxy removed) loses its flags too, or alone to
// undo the proxy settings.
var ProxyKeys = []string{
	HTTPProxyHost, HTTPProxyPort, HTTPSProxyHost, HTTPSProxyPort, HTTPNonProxyHosts,
	FTPProxyHost, FTPProxyPort, FTPNonProxyHosts,
}

// Warning is advice about a property set: something it cannot do, or a
// consequence to know about. It never holds a secret.
type Warning struct {
	Key     string // the property concerned, "" when none
	Message string
}

func (w Warning) String() string {
	if w.Key == "" {
		return w.Message
	}
	return w.Key + ": " + w.Message
}

// Properties is a property set derived from settings, with what it could not
// carry over.
type Properties struct {
	List     []Property      // in the order they are written
	Losses   []proxyenv.Loss // no-proxy entries http.nonProxyHosts cannot express exactly
	Warnings []Warning
}

// ProxyProperties returns the Java properties that make the JDK's default
// ProxySelector use the proxies of s:
//
//   - http.proxyHost and http.proxyPort from s.HTTPProxy;
//   - https.proxyHost and https.proxyPort from s.HTTPSProxy, the port always
//     written, since Java's default is 443 and not the http port;
//   - http.nonProxyHosts from [proxyenv.NoProxy.Java] (used for https too:
//     there is no https.nonProxyHosts), its losses passed on;
//   - ftp.proxyHost, ftp.proxyPort and ftp.nonProxyHosts where s.FTPProxy is
//     set.
//
// A proxy without a port gets its scheme's default, written explicitly.
// Credentials are never written: the JDK has no property for them
// (http.proxyUser is not one); a warning says what to do instead. A proxy
// Java cannot use as an HTTP proxy (https://, socks) is [ErrProxyScheme].
// Settings without any proxy give an empty set.
func ProxyProperties(s proxyenv.Settings) (Properties, error) {
	var ps Properties
	var creds []string
	add := func(name string, p *proxyenv.Proxy, host, port string) error {
		if p == nil {
			return nil
		}
		if p.Scheme != "http" {
			return fmt.Errorf("%s %s: %w (Java speaks plain HTTP to an http.proxyHost)", name, p.WithoutCredentials(), ErrProxyScheme)
		}
		ps.List = append(ps.List, Property{Key: host, Value: p.Host}, Property{Key: port, Value: p.EffectivePort()})
		if p.HasCredentials() {
			creds = append(creds, name)
		}
		return nil
	}
	if err := add("http_proxy", s.HTTPProxy, HTTPProxyHost, HTTPProxyPort); err != nil {
		return Properties{}, err
	}
	if err := add("https_proxy", s.HTTPSProxy, HTTPSProxyHost, HTTPSProxyPort); err != nil {
		return Properties{}, err
	}
	if len(ps.List) > 0 {
		list, losses := s.NoProxy.Java()
		ps.Losses = losses
		if list != "" {
			ps.List = append(ps.List, Property{Key: HTTPNonProxyHosts, Value: list})
		}
	}
	n := len(ps.List)
	if err := add("ftp_proxy", s.FTPProxy, FTPProxyHost, FTPProxyPort); err != nil {
		return Properties{}, err
	}
	if len(ps.List) > n {
		if list, losses := s.NoProxy.Java(); list != "" {
			ps.List = append(ps.List, Property{Key: FTPNonProxyHosts, Value: list})
			if n == 0 {
				ps.Losses = losses
			}
		}
	}
	if len(creds) > 0 {
		ps.Warnings = append(ps.Warnings, Warning{Message: strings.Join(creds, " and ") +
			" carries credentials, which are not written: the JDK has no system property for proxy credentials " +
			"(http.proxyUser and http.proxyPassword are not JDK properties). Have the application install a " +
			"java.net.Authenticator, or point the proxy properties at a local proxy that adds the " +
			"Proxy-Authorization header; for Basic authentication to https:// URLs also set " +
			TunnelingDisabledSchemes + " to the empty value (see AllowTunnelingSchemes)"})
	}
	return ps, nil
}

// AllowTunnelingSchemes returns the jdk.http.auth.tunneling.disabledSchemes
// property that disables every proxy authentication scheme for HTTPS
// tunnelling except those named: AllowTunnelingSchemes() (the empty value)
// enables Basic again, which the JDK disables by default since 8u111.
//
// The property is Keep: a value the command line already sets, such as
// DC/OS's "NTLM", stays. Set Keep to false to replace it.
func AllowTunnelingSchemes() Property {
	return Property{Key: TunnelingDisabledSchemes, Value: "", Keep: true}
}

// DisableTunnelingSchemes returns the jdk.http.auth.tunneling.disabledSchemes
// property that disables the named schemes ("Basic", "Digest", "NTLM",
// "Negotiate", "Kerberos") for HTTPS tunnelling. It is Keep, as
// [AllowTunnelingSchemes].
func DisableTunnelingSchemes(schemes ...string) Property {
	return Property{Key: TunnelingDisabledSchemes, Value: strings.Join(schemes, ","), Keep: true}
}

// Store names a Java trust store for the javax.net.ssl.trustStore
// properties.
type Store struct {
	Path     string          // absolute path of the store file as the service sees it
	Type     string          // "PKCS12" or "JKS"; "" leaves the JDK's default (keystore.type, PKCS12 since JDK 9)
	Password proxyenv.Secret // store password; empty for none
}

// TrustStoreProperties returns javax.net.ssl.trustStore, and
// javax.net.ssl.trustStoreType and javax.net.ssl.trustStorePassword where
// set. It always warns that a trust store set this way replaces the JDK's
// default CAs (lib/security/cacerts) for the whole JVM, so the store must
// hold every CA the service needs, not only the proxy's. A password is
// written (it is marked Secret) with a warning, since it shows in the process
// list: a trust store needs no password to be read, so prefer none.
func TrustStoreProperties(st Store) (Properties, error) {
	if st.Path == "" {
		return Properties{}, fmt.Errorf("trust store: empty path: %w", ErrValue)
	}
	ps := Properties{
		List: []Property{{Key: TrustStore, Value: st.Path}},
		Warnings: []Warning{{Key: TrustStore, Message: "replaces the JDK's default CAs (lib/security/cacerts) for this JVM: " +
			"the store must hold every CA the service trusts, not only the proxy's; " +
			"adding the proxy's CA to the JDK's cacerts instead keeps the defaults"}},
	}
	if st.Type != "" {
		ps.List = append(ps.List, Property{Key: TrustStoreType, Value: st.Type})
	}
	if !st.Password.IsZero() {
		ps.List = append(ps.List, Property{Key: TrustStorePassword, Value: st.Password.Reveal(), Secret: true})
		ps.Warnings = append(ps.Warnings, Warning{Key: TrustStorePassword, Message: "is visible to every user in the process list (and in a unit drop-in, which is world-readable); " +
			"a trust store needs no password to be read, so prefer a store without one"})
	}
	for _, p := range ps.List {
		if err := p.check(); err != nil {
			return Properties{}, fmt.Errorf("trust store: %w", err)
		}
	}
	return ps, nil
}
