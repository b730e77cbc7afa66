// Fetch requests each URL given and prints one line per URL: the URL and
// the response code, or the exception's class. With -Dfetch.user and
// -Dfetch.password it answers proxy authentication requests, as an
// application's java.net.Authenticator would. The jvmflags tests run it
// with the proxy properties the package writes, against loopback proxies.
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URL;

public class Fetch {
    public static void main(String[] args) {
        String user = System.getProperty("fetch.user");
        String password = System.getProperty("fetch.password", "");
        if (user != null) {
            Authenticator.setDefault(new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    if (getRequestorType() != RequestorType.PROXY) {
                        return null;
                    }
                    return new PasswordAuthentication(user, password.toCharArray());
                }
            });
        }
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
