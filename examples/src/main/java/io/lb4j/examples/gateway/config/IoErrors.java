package io.lb4j.examples.gateway.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Why a file could not be read, in words ({@code no such file}), not the JDK's bare path. Stateless. */
public final class IoErrors {

  private IoErrors() {}

  /** {@code no such file}, {@code permission denied}, {@code is a folder}, or the error's own reason. */
  public static String describe(IOException e) {
    if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (message.contains("Is a directory")) {
      return "is a folder, not a file";
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      return ((FileSystemException) e).getReason();
    }
    return message.isEmpty() ? e.getClass().getSimpleName() : message;
  }
}
