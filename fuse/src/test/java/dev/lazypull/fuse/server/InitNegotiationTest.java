package dev.lazypull.fuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lazypull.fuse.MountOptions;
import dev.lazypull.fuse.wire.InitFlags;
import dev.lazypull.fuse.wire.InitIn;
import org.junit.jupiter.api.Test;

class InitNegotiationTest {
  private static final long EVERYTHING = -1L;

  @Test
  void takesOnlyWhatTheKernelOffersAndAsksForOneMebibyteReads() {
    InitNegotiation.Result r = InitNegotiation.negotiate(
        new InitIn(7, 45, 1 << 20, InitFlags.ASYNC_READ | InitFlags.MAX_PAGES | InitFlags.INIT_EXT), MountOptions.defaults());
    assertThat(r.reply().minor()).isEqualTo(40);
    assertThat(r.reply().flags()).isEqualTo(InitFlags.ASYNC_READ | InitFlags.MAX_PAGES | InitFlags.INIT_EXT);
    assertThat(r.reply().maxPages()).isEqualTo(256);
    assertThat(r.reply().maxStackDepth()).isZero();
    assertThat(r.negotiated().passthrough()).isFalse();
    assertThat(r.negotiated().readdirplus()).isFalse();
    assertThat(r.negotiated().maxRead()).isEqualTo(1 << 20);
  }

  @Test
  void passthroughNeedsTheOfferAStackDepthAndProtocol40() {
    InitNegotiation.Result r = InitNegotiation.negotiate(new InitIn(7, 45, 131072, EVERYTHING), MountOptions.defaults());
    assertThat(r.negotiated().passthrough()).isTrue();
    assertThat(r.reply().maxStackDepth()).isEqualTo(1);
    assertThat(r.reply().flags() & InitFlags.PASSTHROUGH).isNotZero();
    assertThat(r.reply().flags() & InitFlags.DO_READDIRPLUS).isNotZero();
    assertThat(r.reply().maxReadahead()).isEqualTo(131072);

    r = InitNegotiation.negotiate(new InitIn(7, 39, 131072, EVERYTHING), MountOptions.defaults());
    assertThat(r.negotiated().passthrough()).isFalse();
    assertThat(r.reply().flags() & InitFlags.PASSTHROUGH).isZero();
    assertThat(r.reply().minor()).isEqualTo(39);

    r = InitNegotiation.negotiate(new InitIn(7, 45, 131072, EVERYTHING),
        MountOptions.defaults().withPassthrough(false).withReaddirplus(false));
    assertThat(r.negotiated().passthrough()).isFalse();
    assertThat(r.reply().flags() & (InitFlags.PASSTHROUGH | InitFlags.DO_READDIRPLUS)).isZero();
  }

  @Test
  void refusesOldOrForeignProtocols() {
    assertThatThrownBy(() -> InitNegotiation.negotiate(new InitIn(7, 30, 0, 0), MountOptions.defaults()))
        .hasMessageContaining("7.30");
    assertThatThrownBy(() -> InitNegotiation.negotiate(new InitIn(8, 0, 0, 0), MountOptions.defaults()))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
