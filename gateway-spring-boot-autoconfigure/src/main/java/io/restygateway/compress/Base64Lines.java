package io.restygateway.compress;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * base64-nginx-module's encoding, streamed: the standard alphabet with {@code =} padding, a CRLF after every 76
 * characters and after a final partial line, an empty body empty. Input comes in chunks of any size; the 1 or 2
 * bytes that do not make a whole group yet are carried to the next chunk, and so is the position in the current
 * line, so the output is the same however the body was split. Not thread-safe: one per response.
 */
public final class Base64Lines {

	/** Characters per line. */
	public static final int LINE = 76;

	/** Input bytes per line. */
	private static final int LINE_BYTES = LINE / 4 * 3;

	private static final Base64.Encoder MIME = Base64.getMimeEncoder();

	private static final byte[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		.getBytes(StandardCharsets.US_ASCII);

	private final byte[] carry = new byte[2];

	private int carried;

	private int column;

	/**
	 * The length of a whole body's encoding, for {@code Content-Length}: {@code ceil(n/3)·4} characters and a CRLF
	 * per started line.
	 * @param length the body's length
	 * @return the encoded length
	 */
	public static long encodedLength(long length) {
		long chars = (length + 2) / 3 * 4;
		return chars + 2 * ((chars + LINE - 1) / LINE);
	}

	/**
	 * @param length the length of the next chunk
	 * @return the most bytes {@link #encode} can write for it
	 */
	public int maxEncodedLength(int length) {
		long chars = (this.carried + (long) length) / 3 * 4;
		return Math.toIntExact(chars + 2 * ((this.column + chars) / LINE + 1));
	}

	/**
	 * Encode a chunk; up to two bytes are kept for the next one.
	 * @param in the input
	 * @param offset where the chunk starts
	 * @param length its length
	 * @param out where to write, at least {@link #maxEncodedLength(int)} from {@code outOffset}
	 * @param outOffset where to start writing
	 * @return how many bytes were written
	 */
	public int encode(byte[] in, int offset, int length, byte[] out, int outOffset) {
		int i = offset;
		int end = offset + length;
		int o = outOffset;
		if (this.carried > 0) {
			while (this.carried < 3 && i < end) {
				if (this.carried == 1) {
					this.carry[1] = in[i++];
					this.carried = 2;
				}
				else {
					o = group(this.carry[0], this.carry[1], in[i++], out, o);
					this.carried = 0;
					break;
				}
			}
			if (this.carried > 0) {
				return o - outOffset;
			}
		}
		int column = this.column;
		while (end - i >= 3) {
			// Whole lines at once when the line is empty: the JDK's MIME encoder (intrinsified on most CPUs) writes
			// exactly these lines, with CRLF between them but not after the last, which is added here.
			if (column == 0 && end - i >= LINE_BYTES) {
				int bulk = (end - i) / LINE_BYTES * LINE_BYTES;
				ByteBuffer encoded = MIME.encode(ByteBuffer.wrap(in, i, bulk));
				int written = encoded.remaining();
				System.arraycopy(encoded.array(), encoded.arrayOffset() + encoded.position(), out, o, written);
				o += written;
				out[o++] = '\r';
				out[o++] = '\n';
				i += bulk;
				continue;
			}
			int bits = (in[i] & 0xff) << 16 | (in[i + 1] & 0xff) << 8 | (in[i + 2] & 0xff);
			out[o] = ALPHABET[bits >>> 18];
			out[o + 1] = ALPHABET[(bits >>> 12) & 0x3f];
			out[o + 2] = ALPHABET[(bits >>> 6) & 0x3f];
			out[o + 3] = ALPHABET[bits & 0x3f];
			i += 3;
			o += 4;
			column += 4;
			if (column == LINE) {
				out[o++] = '\r';
				out[o++] = '\n';
				column = 0;
			}
		}
		this.column = column;
		while (i < end) {
			this.carry[this.carried++] = in[i++];
		}
		return o - outOffset;
	}

	private int group(byte a, byte b, byte c, byte[] out, int o) {
		int bits = (a & 0xff) << 16 | (b & 0xff) << 8 | (c & 0xff);
		out[o] = ALPHABET[bits >>> 18];
		out[o + 1] = ALPHABET[(bits >>> 12) & 0x3f];
		out[o + 2] = ALPHABET[(bits >>> 6) & 0x3f];
		out[o + 3] = ALPHABET[bits & 0x3f];
		o += 4;
		this.column += 4;
		if (this.column == LINE) {
			out[o++] = '\r';
			out[o++] = '\n';
			this.column = 0;
		}
		return o;
	}

	/**
	 * End the body: the carried bytes with padding, and the CRLF of a final partial line.
	 * @return the last bytes, possibly none
	 */
	public byte[] finish() {
		byte[] out = new byte[6];
		int o = 0;
		if (this.carried == 1) {
			int bits = (this.carry[0] & 0xff) << 16;
			out[o++] = ALPHABET[bits >>> 18];
			out[o++] = ALPHABET[(bits >>> 12) & 0x3f];
			out[o++] = '=';
			out[o++] = '=';
			this.column += 4;
		}
		else if (this.carried == 2) {
			int bits = (this.carry[0] & 0xff) << 16 | (this.carry[1] & 0xff) << 8;
			out[o++] = ALPHABET[bits >>> 18];
			out[o++] = ALPHABET[(bits >>> 12) & 0x3f];
			out[o++] = ALPHABET[(bits >>> 6) & 0x3f];
			out[o++] = '=';
			this.column += 4;
		}
		this.carried = 0;
		if (this.column > 0) {
			out[o++] = '\r';
			out[o++] = '\n';
			this.column = 0;
		}
		return java.util.Arrays.copyOf(out, o);
	}

}
