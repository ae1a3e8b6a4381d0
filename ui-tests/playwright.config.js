/**
 * Playwright configuration for the jupyter-mindzie browser tests, on Galata's defaults.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// Not 8888, so a running `make demo` does not collide with the tests' own server.
const port = process.env.MINDZIE_UI_PORT || '8891';

module.exports = {
  ...baseConfig,
  // Runs on real kernels take longer than Galata's default minute on a small machine.
  timeout: 180 * 1000,
  // Never serve the HTML report at the end: that would block a terminal or CI run.
  reporter: [
    ['list'],
    ['html', { open: 'never' }]
  ],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    // Recording video needs Playwright's own ffmpeg download, which this setup does not have.
    video: 'off',
    // No browser download here: use the system's Chromium.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'jlpm start',
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
