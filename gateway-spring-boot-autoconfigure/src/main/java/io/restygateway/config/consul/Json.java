package io.restygateway.config.consul;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Just enough JSON to read Consul's answers (arrays of flat objects, strings, numbers, null), so that the client needs
 * nothing beyond the JDK: objects become {@link Map}s, arrays {@link List}s, integers {@link BigInteger}s (Consul's
 * indexes are uint64), other numbers {@link BigDecimal}s.
 */
final class Json {

	private final String text;

	private int at;

	private Json(String text) {
		this.text = text;
	}

	/**
	 * @param text one JSON value
	 * @return the value, null for JSON null
	 * @throws IllegalArgumentException when the text is not JSON
	 */
	static @Nullable Object parse(String text) {
		Json json = new Json(text);
		Object value = json.value();
		json.skipSpace();
		if (json.at != text.length()) {
			throw json.error("trailing characters");
		}
		return value;
	}

	private @Nullable Object value() {
		skipSpace();
		if (this.at >= this.text.length()) {
			throw error("unexpected end");
		}
		char c = this.text.charAt(this.at);
		return switch (c) {
			case '{' -> object();
			case '[' -> array();
			case '"' -> string();
			case 't' -> literal("true", Boolean.TRUE);
			case 'f' -> literal("false", Boolean.FALSE);
			case 'n' -> literal("null", null);
			default -> number();
		};
	}

	private Map<String, @Nullable Object> object() {
		Map<String, @Nullable Object> object = new LinkedHashMap<>();
		this.at++;
		skipSpace();
		if (peek() == '}') {
			this.at++;
			return object;
		}
		while (true) {
			skipSpace();
			if (peek() != '"') {
				throw error("expected a name");
			}
			String name = string();
			skipSpace();
			expect(':');
			object.put(name, value());
			skipSpace();
			if (peek() == ',') {
				this.at++;
				continue;
			}
			expect('}');
			return object;
		}
	}

	private List<@Nullable Object> array() {
		List<@Nullable Object> array = new ArrayList<>();
		this.at++;
		skipSpace();
		if (peek() == ']') {
			this.at++;
			return array;
		}
		while (true) {
			array.add(value());
			skipSpace();
			if (peek() == ',') {
				this.at++;
				continue;
			}
			expect(']');
			return array;
		}
	}

	private String string() {
		this.at++;
		StringBuilder out = new StringBuilder();
		while (true) {
			if (this.at >= this.text.length()) {
				throw error("unterminated string");
			}
			char c = this.text.charAt(this.at++);
			if (c == '"') {
				return out.toString();
			}
			if (c != '\\') {
				out.append(c);
				continue;
			}
			if (this.at >= this.text.length()) {
				throw error("unterminated escape");
			}
			char escaped = this.text.charAt(this.at++);
			switch (escaped) {
				case '"', '\\', '/' -> out.append(escaped);
				case 'b' -> out.append('\b');
				case 'f' -> out.append('\f');
				case 'n' -> out.append('\n');
				case 'r' -> out.append('\r');
				case 't' -> out.append('\t');
				case 'u' -> {
					if (this.at + 4 > this.text.length()) {
						throw error("short \\u escape");
					}
					out.append((char) Integer.parseInt(this.text.substring(this.at, this.at + 4), 16));
					this.at += 4;
				}
				default -> throw error("bad escape");
			}
		}
	}

	private Number number() {
		int start = this.at;
		while (this.at < this.text.length() && "+-0123456789.eE".indexOf(this.text.charAt(this.at)) >= 0) {
			this.at++;
		}
		String token = this.text.substring(start, this.at);
		try {
			if (token.indexOf('.') < 0 && token.indexOf('e') < 0 && token.indexOf('E') < 0) {
				return new BigInteger(token);
			}
			return new BigDecimal(token);
		}
		catch (NumberFormatException ex) {
			throw error("bad number");
		}
	}

	private @Nullable Object literal(String word, @Nullable Object value) {
		if (!this.text.startsWith(word, this.at)) {
			throw error("bad literal");
		}
		this.at += word.length();
		return value;
	}

	private char peek() {
		return this.at < this.text.length() ? this.text.charAt(this.at) : '\0';
	}

	private void expect(char c) {
		if (peek() != c) {
			throw error("expected '" + c + "'");
		}
		this.at++;
	}

	private void skipSpace() {
		while (this.at < this.text.length() && Character.isWhitespace(this.text.charAt(this.at))) {
			this.at++;
		}
	}

	private IllegalArgumentException error(String what) {
		return new IllegalArgumentException("not JSON (" + what + " at " + this.at + ")");
	}

}
