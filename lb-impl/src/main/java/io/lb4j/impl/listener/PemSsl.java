package io.lb4j.impl.listener;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Builds a server {@link SSLContext} from PEM files, the format certificate authorities and ACME clients
 * hand out, so an HTTPS listener needs no Java key store: a private key in PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}, unencrypted; RSA, EC or EdDSA) and its certificate chain, leaf
 * first ({@code -----BEGIN CERTIFICATE-----} blocks). Convert an {@code RSA PRIVATE KEY} (PKCS#1) with
 * {@code openssl pkcs8 -topk8 -nocrypt}.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class PemSsl {
  private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "EdDSA", "Ed25519", "RSASSA-PSS"};

  private PemSsl() {}

  /**
   * A TLS server context from PEM files.
   *
   * @param privateKeyPem a file holding one PKCS#8 private key
   * @param certificateChainPem a file holding the certificate chain, leaf first
   * @throws IOException when a file cannot be read
   * @throws GeneralSecurityException when the key or a certificate cannot be decoded, or the leaf does
   *     not match the key
   */
  public static SSLContext serverContext(Path privateKeyPem, Path certificateChainPem)
      throws IOException, GeneralSecurityException {
    Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    Objects.requireNonNull(certificateChainPem, "certificateChainPem");
    return serverContext(Files.readString(privateKeyPem, StandardCharsets.US_ASCII),
        Files.readString(certificateChainPem, StandardCharsets.US_ASCII));
  }

  /**
   * A TLS server context from PEM text.
   *
   * @param privateKeyPem one PKCS#8 private key in PEM
   * @param certificateChainPem the certificate chain in PEM, leaf first
   * @throws GeneralSecurityException when the key or a certificate cannot be decoded, or the leaf does
   *     not match the key
   */
  public static SSLContext serverContext(String privateKeyPem, String certificateChainPem)
      throws GeneralSecurityException {
    PrivateKey key = privateKey(privateKeyPem);
    Certificate[] chain = certificates(certificateChainPem);
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot create an in-memory key store", e);
    }
    char[] password = new char[0];
    store.setKeyEntry("server", key, password, chain);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    List<byte[]> blocks = blocks(pem, "PRIVATE KEY");
    if (blocks.size() != 1) {
      throw new GeneralSecurityException("privateKeyPem must hold exactly one '-----BEGIN PRIVATE KEY-----' block"
          + " (PKCS#8, unencrypted), was " + blocks.size());
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(blocks.get(0));
    GeneralSecurityException last = null;
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("privateKeyPem is not an RSA, EC or EdDSA PKCS#8 key", last);
  }

  static Certificate[] certificates(String pem) throws GeneralSecurityException {
    List<byte[]> blocks = blocks(pem, "CERTIFICATE");
    if (blocks.isEmpty()) {
      throw new GeneralSecurityException("certificateChainPem must hold at least one '-----BEGIN CERTIFICATE-----'"
          + " block, was 0");
    }
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    Certificate[] chain = new Certificate[blocks.size()];
    for (int i = 0; i < chain.length; i++) {
      chain[i] = factory.generateCertificate(new ByteArrayInputStream(blocks.get(i)));
    }
    return chain;
  }

  private static List<byte[]> blocks(String pem, String label) throws GeneralSecurityException {
    Objects.requireNonNull(pem, "pem");
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    List<byte[]> out = new ArrayList<>();
    int from = 0;
    while (true) {
      int b = pem.indexOf(begin, from);
      if (b < 0) {
        return out;
      }
      int e = pem.indexOf(end, b);
      if (e < 0) {
        throw new GeneralSecurityException("PEM block '" + begin + "' has no '" + end + "'");
      }
      String body = pem.substring(b + begin.length(), e).replaceAll("\\s", "");
      try {
        out.add(Base64.getDecoder().decode(body));
      } catch (IllegalArgumentException bad) {
        throw new GeneralSecurityException("PEM block '" + begin + "' is not valid base64", bad);
      }
      from = e + end.length();
    }
  }
}
