package io.restygateway.edge;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ByteBudgetTests {

	@Test
	void piecesPassUntilTheOneThatTakesTheBodyOverTheLimit() {
		ByteBudget budget = new ByteBudget(1024);
		assertThat(budget.take(512)).isTrue();
		assertThat(budget.take(512)).as("exactly the limit is within it").isTrue();
		assertThat(budget.take(1)).isFalse();
		assertThat(budget.seen()).isEqualTo(1025);
	}

	@Test
	void emptyPiecesCostNothing() {
		ByteBudget budget = new ByteBudget(1);
		assertThat(budget.take(0)).isTrue();
		assertThat(budget.take(1)).isTrue();
		assertThat(budget.take(0)).isTrue();
		assertThat(budget.seen()).isEqualTo(1);
	}

	@Test
	void aBodyPastTwoGibibytesIsStillCounted() {
		ByteBudget budget = new ByteBudget(5L << 30);
		for (int i = 0; i < 5; i++) {
			assertThat(budget.take(1 << 30)).isTrue();
		}
		assertThat(budget.take(1)).isFalse();
	}

	@Test
	void aLimitBelowOneByteAndANegativePieceAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new ByteBudget(0)).withMessageContaining("at least 1");
		assertThatIllegalArgumentException().isThrownBy(() -> new ByteBudget(1).take(-1)).withMessageContaining("-1");
	}

}
