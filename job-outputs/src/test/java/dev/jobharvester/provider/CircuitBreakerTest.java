package dev.jobharvester.provider;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    @Test
    void opensAfterThreeFailedCallsInARowAndASuccessClosesIt() throws IOException {
        CircuitBreaker circuit = new CircuitBreaker("tensorpool");
        circuit.failed();
        circuit.failed();
        circuit.check();
        circuit.failed();
        assertThatThrownBy(circuit::check).isInstanceOf(IOException.class).isNotInstanceOf(ProviderException.class)
                .hasMessageStartingWith("tensorpool API: not asked until");
        circuit.succeeded();
        assertThatCode(circuit::check).doesNotThrowAnyException();
    }

    @Test
    void aSuccessInBetweenResetsTheCount() throws IOException {
        CircuitBreaker circuit = new CircuitBreaker("chutes");
        circuit.failed();
        circuit.failed();
        circuit.succeeded();
        circuit.failed();
        circuit.failed();
        assertThatCode(circuit::check).doesNotThrowAnyException();
    }
}
