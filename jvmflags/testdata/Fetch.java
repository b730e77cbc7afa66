// Fetch requests each URL given and prints one line per URL: the URL and
// the response code, or the exception's class. The jvmflags tests run it
// with the proxy properties the package writes, against loopback proxies.
import java.net.HttpURLConnection;
import java.net.URL;

public class Fetch {
    public static void main(String[] args) {
        for (String u : args) {
            String result;
            try {
                HttpURLConnection c = (HttpURLConnection) new URL(u).openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                result = Integer.toString(c.getResponseCode());
            } catch (Exception e) {
                result = e.getClass().getSimpleName();
            }
            System.out.println(u + " " + result);
        }
    }
}
