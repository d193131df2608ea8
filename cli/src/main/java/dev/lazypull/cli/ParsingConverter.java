package dev.lazypull.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A picocli converter over a parser of the CLI's own that does without picocli (so that a client
 * command read without it loads none of picocli's classes, decision 0015): the parser's
 * {@link IllegalArgumentException} becomes picocli's conversion error, with the same message.
 */
public abstract class ParsingConverter<T> implements ITypeConverter<T> {
  /** The value {@code text} stands for; an {@link IllegalArgumentException} says what is wrong. */
  protected abstract T parse(String text);

  @Override
  public final T convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
