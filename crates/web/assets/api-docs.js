// The self-hosted API docs page: renders /api/openapi.json (a file, so the CSP needs no inline script).
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function md(text){
  const lines=text.split('\n');let html='',table=[];
  const flush=()=>{if(!table.length)return;const rows=table.filter(r=>!/^\|[-| ]+\|$/.test(r));
    html+='<table>'+rows.map((r,i)=>'<tr>'+r.split('|').slice(1,-1).map(c=>(i?'<td>':'<th>')+inline(c.trim())+(i?'</td>':'</th>')).join('')+'</tr>').join('')+'</table>';table=[]};
  const inline=s=>esc(s).replace(/`([^`]+)`/g,'<code>$1</code>');
  for(const l of lines){if(l.startsWith('|')){table.push(l);continue}flush();if(l.trim())html+='<p>'+inline(l)+'</p>'}
  flush();return html}
function ref(s){if(!s)return '';if(s.$ref){const n=s.$ref.split('/').pop();return '<a href="#schema-'+n+'">'+n+'</a>'}
  if(s.type==='array'||(Array.isArray(s.type)&&s.type.includes('array')))return 'array of '+ref(s.items);
  if(s.oneOf)return s.oneOf.map(ref).join(' | ');
  return esc(Array.isArray(s.type)?s.type.join(' | '):(s.type||'object'))}
fetch('/api/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('title').textContent=doc.info.title+' v'+doc.info.version;
  document.getElementById('desc').innerHTML=md(doc.info.description||'');
  let out='';
  for(const [path,item] of Object.entries(doc.paths)){
    for(const [method,op] of Object.entries(item)){
      const params=(op.parameters||[]).map(p=>'<tr><td><code>'+esc(p.name)+'</code></td><td>'+p.in+'</td><td>'+ref(p.schema)+'</td><td>'+esc(p.description||'')+'</td></tr>').join('');
      const body=op.requestBody?Object.values(op.requestBody.content||{}).map(c=>ref(c.schema)).join(''):'';
      const resps=Object.entries(op.responses||{}).map(([code,r])=>'<tr><td>'+code+'</td><td>'+Object.values(r.content||{}).map(c=>ref(c.schema)).join('')+'</td><td>'+esc(r.description||'')+'</td></tr>').join('');
      out+='<details class="op"><summary><span class="m '+method+'">'+method+'</span><code>'+esc(path)+'</code><span>'+esc(op.summary||'')+'</span></summary><div class="body">'+
        (op.description?md(op.description):'')+
        (params?'<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>'+params+'</table>':'')+
        (body?'<h4>Request body</h4><p>'+body+'</p>':'')+
        '<h4>Responses</h4><table><tr><th>status</th><th>body</th><th>description</th></tr>'+resps+'</table>'+
        '<h4>Example</h4><pre>curl -H "Authorization: Bearer $QUANZI_KEY" '+(method!=='get'?'-X '+method.toUpperCase()+' -H "Content-Type: application/json" -d \'{…}\' ':'')+location.origin+esc(path)+'</pre></div></details>';
    }
  }
  document.getElementById('ops').innerHTML=out;
  let sc='';
  for(const [name,s] of Object.entries((doc.components||{}).schemas||{})){
    const props=Object.entries(s.properties||{}).map(([k,v])=>'<tr><td><code>'+esc(k)+'</code>'+((s.required||[]).includes(k)?' *':'')+'</td><td>'+ref(v)+(v.enum?' ('+v.enum.map(esc).join(', ')+')':'')+'</td><td>'+esc(v.description||'')+'</td></tr>').join('');
    sc+='<details class="op" id="schema-'+esc(name)+'"><summary><b>'+esc(name)+'</b><span>'+esc(s.description||'')+'</span></summary><div class="body">'+(props?'<table><tr><th>field</th><th>type</th><th>description</th></tr>'+props+'</table>':(s.enum?'one of: '+s.enum.map(esc).join(', '):'<pre>'+esc(JSON.stringify(s,null,2))+'</pre>'))+'</div></details>';
  }
  document.getElementById('schemas').innerHTML=sc;
}).catch(e=>{document.getElementById('ops').textContent='Could not load the document: '+e});
