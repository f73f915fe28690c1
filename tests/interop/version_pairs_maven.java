// version_pairs_maven.java: Maven's own ComparableVersion (Debian's
// libmaven3-core-java, maven-artifact 3.8.7) on pairs of versions, for
// tests/interop/test_versions_interop.sh.
//
// Reads "a<TAB>b" lines on stdin; prints "<", "=" or ">" for
// new ComparableVersion(a).compareTo(new ComparableVersion(b)), one line per
// pair: the output format of tests/interop/version_pairs.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

class VersionPairsMaven {
    public static void main(String[] args) throws Exception {
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            ComparableVersion a = new ComparableVersion(line.substring(0, tab));
            ComparableVersion b = new ComparableVersion(line.substring(tab + 1));
            int c = a.compareTo(b);
            out.append(c < 0 ? "<" : c > 0 ? ">" : "=").append('\n');
        }
        System.out.print(out);
    }
}
