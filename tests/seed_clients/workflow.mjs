// The vendor documentation's JavaScript calls for notebooks, as users copy them (Node 20 fetch).
// Usage: node workflow.mjs BASE_URL TENANT PROJECT TOKEN; prints one JSON line of what it saw.
const [base, tenantId, projectId, token] = process.argv.slice(2);
const api = `${base}/api/${tenantId}/${projectId}`;

const createNotebook = async () => {
  const response = await fetch(`${api}/notebook`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({
      notebookName: 'Process Mining Analysis',
      notebookDescription: 'プロセス最適化のための高度な分析',
      kernelType: 'python3',
      template: 'process_mining_starter',
      integration: {
        enrichmentMode: true,
        datasetBinding: '880e8400-e29b-41d4-a716-446655440000',
        outputFormat: 'enriched_dataframe',
        autoExecution: false
      },
      environment: {
        packages: ['pandas', 'numpy', 'scikit-learn', 'matplotlib'],
        customLibraries: ['process_mining_utils']
      },
      initialCells: [
        { cellType: 'markdown', content: '# Process Mining Analysis\n\nプロセス効率とボトルネックを分析します。' },
        { cellType: 'code', content: 'import pandas as pd\nfrom mindzie_sdk import ProcessMiningClient\n\nclient = ProcessMiningClient()' }
      ]
    })
  });
  return { status: response.status, body: await response.json() };
};

const get = async path => {
  const response = await fetch(`${api}/${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
};

const put = async (path, body, etag) => {
  const response = await fetch(`${api}/${path}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'If-Match': etag },
    body: JSON.stringify(body)
  });
  return { status: response.status, body: await response.json() };
};

const created = await createNotebook();
const id = created.body.notebookId;
const fetched = await get(`notebook/${id}`);
const listed = await get('notebooks?enrichmentMode=true');
const updated = await put(`notebook/${id}`, { notebookName: 'Process Mining Analysis v2' }, '"1.0.0"');
const stale = await put(`notebook/${id}`, { notebookName: 'v3' }, '"1.0.0"');
const bad = await get('notebooks?pageSize=500');
const removed = await fetch(`${api}/notebook/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
console.log(JSON.stringify({ created, fetched, listed, updated, stale, bad, deleted: removed.status }));
