package proxyenv

// DC/OS's own proxy file and bypass list: the one consumer format of this
// package that belongs to a distribution, kept apart from the generic
// environment-file writers ([Settings.EtcEnvironment] and its kin).

const formatDCOSProxyEnv = "DC/OS proxy.env"

// DCOSBypassList is the no-proxy list DC/OS adds to every node's no_proxy:
// its internal domains and the loopback names. Merge it into a list with
// [DCOSBypass].
const DCOSBypassList = ".mesos,.thisdcos.directory,.dcos.directory,.zk,127.0.0.1,localhost"

// DCOSBypass returns the DC/OS internal entries ([DCOSBypassList]) as a
// list, to merge into any other without duplicates:
//
//	s.NoProxy = s.NoProxy.Merge(proxyenv.DCOSBypass())
func DCOSBypass() NoProxy { return ParseNoProxy(DCOSBypassList) }

// DCOSProxyEnv returns the edit of DC/OS's /opt/mesosphere/etc/proxy.env,
// which DC/OS units read with systemd's EnvironmentFile=: http_proxy,
// https_proxy and no_proxy in both cases, unquoted as DC/OS writes them, with
// [DCOSBypass] merged into no_proxy so that cluster-internal traffic never
// reaches the proxy. Lines are kept, replaced and removed as by
// [Settings.EtcEnvironment]. Values are limited to characters that systemd
// and sh read the same unquoted (letters, digits and -._~%:/@,*+=[]);
// another is refused, naming its class.
func (s Settings) DCOSProxyEnv() (Edit, []Warning, error) {
	s.NoProxy = s.NoProxy.Merge(DCOSBypass())
	vars := s.envVars()
	for _, v := range vars {
		if class, bad := charClass(v.value, func(c byte) bool { return !envSafe(c) }); bad {
			return nil, nil, unsafeValue(formatDCOSProxyEnv, v.name, class)
		}
	}
	owned := make(map[string]bool)
	for _, v := range vars {
		owned[v.name] = true
	}
	join := func(ls []line) ([]line, error) { return joinShell(formatDCOSProxyEnv, ls, owned, false) }
	return envEdit(formatDCOSProxyEnv, vars, false, join, func(v envVar) string {
		return v.name + "=" + v.value
	}), nil, nil
}
