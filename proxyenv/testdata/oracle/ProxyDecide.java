// ProxyDecide answers, for each case, whether Java's default ProxySelector
// sends a request directly. Input (argument 1): one case per line, three
// fields separated by a space: an id, the value of http.nonProxyHosts
// (hex-encoded UTF-8; "-" leaves it unset), the URL (hex-encoded UTF-8). Output: "id DIRECT", "id PROXY"
// or "id ERROR <exception>", one line per case, in order.
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class ProxyDecide {
    static String unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("http.proxyHost", "127.0.0.1");
        System.setProperty("http.proxyPort", "3128");
        System.setProperty("https.proxyHost", "127.0.0.1");
        System.setProperty("https.proxyPort", "3128");
        ProxySelector sel = ProxySelector.getDefault();
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ", -1);
            String id = f[0];
            if (f[1].equals("-")) {
                System.clearProperty("http.nonProxyHosts");
            } else {
                System.setProperty("http.nonProxyHosts", unhex(f[1]));
            }
            try {
                List<Proxy> l = sel.select(new URI(unhex(f[2])));
                out.append(id).append(l.get(0).type() == Proxy.Type.DIRECT ? " DIRECT" : " PROXY").append('\n');
            } catch (Exception e) {
                out.append(id).append(" ERROR ").append(e.getClass().getSimpleName()).append('\n');
            }
        }
        System.out.print(out);
    }
}
