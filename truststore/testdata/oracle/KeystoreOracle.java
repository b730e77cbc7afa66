// KeystoreOracle answers, in one JVM, what Java makes of many keystores.
//
// Usage: java --add-exports java.base/sun.security.tools.keytool=ALL-UNNAMED \
//            KeystoreOracle.java LEAF.pem STOREPASS [+]KEYSTORE...
//
// For each keystore it prints its type as KeyStore.getInstance(File, char[])
// detects it, each entry (alias, kind, SHA-256 of the certificate, creation
// date in epoch milliseconds), and whether a TrustManagerFactory built from it
// trusts the leaf certificate:
//
//   STORE <path> <type>
//   ENTRY <alias> <trusted|key> <SHA-256> <millis>
//   TRUST <true|false> <reason>
//
// For a keystore written with a leading '+', it also runs keytool's own code
// (sun.security.tools.keytool.Main, what the keytool command launches) as
// "keytool -list -v", between KEYTOOL-BEGIN <path> and KEYTOOL-END lines:
// one JVM instead of one per keytool call.
import java.io.File;
import java.io.FileInputStream;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class KeystoreOracle {
    public static void main(String[] args) throws Exception {
        X509Certificate leaf;
        try (FileInputStream in = new FileInputStream(args[0])) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        char[] pass = args[1].toCharArray();
        for (int i = 2; i < args.length; i++) {
            boolean keytool = args[i].startsWith("+");
            File f = new File(keytool ? args[i].substring(1) : args[i]);
            if (keytool) {
                System.out.println("KEYTOOL-BEGIN " + f);
                sun.security.tools.keytool.Main.main(
                        new String[] {"-list", "-v", "-keystore", f.getPath(), "-storepass", args[1]});
                System.out.println("KEYTOOL-END");
            }
            KeyStore ks;
            try {
                ks = KeyStore.getInstance(f, pass);
            } catch (Exception e) {
                System.out.println("STORE " + f + " ERROR " + e);
                continue;
            }
            System.out.println("STORE " + f + " " + ks.getType());
            for (String alias : Collections.list(ks.aliases())) {
                java.security.cert.Certificate c = ks.getCertificate(alias);
                String kind = ks.isCertificateEntry(alias) ? "trusted" : "key";
                System.out.println("ENTRY " + alias + " " + kind + " " + sha256(c.getEncoded()) + " "
                        + ks.getCreationDate(alias).getTime());
            }
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(ks);
                X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
                tm.checkServerTrusted(new X509Certificate[] {leaf}, "UNKNOWN");
                System.out.println("TRUST true");
            } catch (Exception e) {
                System.out.println("TRUST false " + e.getClass().getSimpleName());
            }
        }
    }

    static String sha256(byte[] der) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(der)) {
            if (sb.length() > 0) sb.append(':');
            sb.append(String.format("%02X", b));
        }
        return sb.toString();
    }
}
