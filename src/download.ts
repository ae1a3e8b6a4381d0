/**
 * Save a blob the page fetched (with its credentials) as a file the browser downloads.
 */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // Revoke later: the download starts asynchronously.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The file name at the end of a download URL.
 */
export function fileNameOf(url: string, fallback = 'download'): string {
  try {
    const path = new URL(url, window.location.href).pathname;
    return decodeURIComponent(path.split('/').pop() || fallback);
  } catch {
    return fallback;
  }
}
