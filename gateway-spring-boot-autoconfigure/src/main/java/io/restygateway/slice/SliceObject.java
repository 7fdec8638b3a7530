package io.restygateway.slice;

import org.springframework.http.HttpHeaders;

import io.restygateway.slice.SlicePlan.SliceHead;

/**
 * What the first slice told about the object: its length and validator, and the headers its answers carry (those of
 * the slice answer without Content-Range, Content-Length and Transfer-Encoding).
 *
 * @param head the length and the validator that binds every slice
 * @param validators the ETag and Last-Modified, for conditions and If-Range
 * @param headers the headers of an answer about the object, read-only
 */
record SliceObject(SliceHead head, Validators validators, HttpHeaders headers) {

	static SliceObject of(HttpHeaders sliceHeaders, long total) {
		HttpHeaders headers = new HttpHeaders();
		headers.addAll(sliceHeaders);
		headers.remove(HttpHeaders.CONTENT_RANGE);
		headers.remove(HttpHeaders.CONTENT_LENGTH);
		headers.remove(HttpHeaders.TRANSFER_ENCODING);
		String etag = headers.getETag();
		String lastModified = headers.getFirst(HttpHeaders.LAST_MODIFIED);
		return new SliceObject(new SliceHead(total, etag != null ? etag : lastModified),
				new Validators(etag, Validators.parseDate(lastModified)), HttpHeaders.readOnlyHttpHeaders(headers));
	}

}
