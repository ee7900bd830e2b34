// Reads a zip the way XNAT's DicomZipImporter does, with java.util.zip.ZipInputStream from
// a stream (a file or a FIFO named on the command line), and prints one line per entry:
// the name's UTF-8 bytes in hex, the bytes read, and their CRC-32. ZipInputStream itself
// checks each entry's CRC and sizes against its data descriptor and throws on a mismatch.
import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

public class ZipStreamReadBack {
  public static void main(String[] args) throws Exception {
    try (InputStream file = new FileInputStream(args[0]);
        ZipInputStream zip = new ZipInputStream(new BufferedInputStream(file, 1 << 16))) {
      byte[] buffer = new byte[1 << 16];
      for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
        CRC32 crc = new CRC32();
        long size = 0;
        for (int n; (n = zip.read(buffer)) > 0; ) {
          crc.update(buffer, 0, n);
          size += n;
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : entry.getName().getBytes(StandardCharsets.UTF_8)) {
          hex.append(String.format("%02x", b & 0xff));
        }
        System.out.printf("%s\t%d\t%08x%n", hex, size, crc.getValue());
      }
    }
  }
}
