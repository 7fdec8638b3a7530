package io.restygateway.app;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads HTTP/1.1 answers off a raw socket, byte for byte: for tests that check what happens on one keep-alive
 * connection.
 */
final class RawHttp {

	/**
	 * One answer.
	 * @param head the status line and headers, as sent
	 * @param body the body, de-chunked
	 */
	record Answer(String head, byte[] body) {

		int status() {
			return Integer.parseInt(this.head.substring(9, 12));
		}

		String header(String name) {
			for (String line : this.head.split("\r\n")) {
				int colon = line.indexOf(':');
				if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
					return line.substring(colon + 1).trim();
				}
			}
			return null;
		}

		String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

	}

	private RawHttp() {
	}

	/**
	 * @param in the connection
	 * @param head whether the request was a HEAD (no body follows)
	 * @return the next answer
	 * @throws IOException when the connection ends first
	 */
	static Answer read(InputStream in, boolean head) throws IOException {
		String text = line(in, true);
		if (head) {
			return new Answer(text, new byte[0]);
		}
		Answer answer = new Answer(text, new byte[0]);
		String length = answer.header("Content-Length");
		if (length != null) {
			return new Answer(text, in.readNBytes(Integer.parseInt(length)));
		}
		String encoding = answer.header("Transfer-Encoding");
		if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			while (true) {
				int size = Integer.parseInt(line(in, false).trim().split(";")[0], 16);
				if (size == 0) {
					line(in, false);
					return new Answer(text, body.toByteArray());
				}
				body.write(in.readNBytes(size));
				line(in, false);
			}
		}
		return answer;
	}

	private static String line(InputStream in, boolean wholeHead) throws IOException {
		StringBuilder read = new StringBuilder();
		String end = wholeHead ? "\r\n\r\n" : "\r\n";
		while (!read.toString().endsWith(end)) {
			int b = in.read();
			if (b < 0) {
				throw new EOFException("connection closed after: " + read);
			}
			read.append((char) b);
		}
		return read.toString();
	}

}
