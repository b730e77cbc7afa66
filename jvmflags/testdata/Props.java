// Props prints its arguments and every system property, one per line, each
// string hex-encoded (UTF-8) so that no value can be misread:
//
//	arg <hex>
//	prop <hex key> <hex value>
//
// The jvmflags tests compile it with javac and run it on the command lines
// the package produces.
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

public class Props {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            b.append(String.format("%02x", x & 0xff));
        }
        return b.toString();
    }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        for (String a : args) {
            out.append("arg ").append(hex(a)).append('\n');
        }
        Map<String, String> props = new TreeMap<>();
        for (String k : System.getProperties().stringPropertyNames()) {
            props.put(k, System.getProperty(k));
        }
        for (Map.Entry<String, String> e : props.entrySet()) {
            out.append("prop ").append(hex(e.getKey())).append(' ').append(hex(e.getValue())).append('\n');
        }
        System.out.print(out);
    }
}
