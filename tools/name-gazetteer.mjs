// Generates scrubbers/name-gazetteer-data.ts: the given names and surnames the person_name rule
// looks up, from the per-locale person lists of @faker-js/faker (MIT licence, a dev dependency).
// Only Latin-script locales of the EU languages and the common others; a name that is also a
// common word (stopwords-iso, MIT, and the lists below) is kept in a list of its own, because a
// given name alone is redacted wherever it stands capitalised: those count only beside a surname.
//
//   node tools/name-gazetteer.mjs
//
// The test corpora must not take their names from faker (see test/corpus/freetext/README.md).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { allLocales } from '@faker-js/faker';

const require = createRequire(import.meta.url);
const stopwords = require('stopwords-iso');

const LOCALES = ['en', 'en_AU', 'en_GB', 'en_IE', 'en_US', 'fr', 'fr_BE', 'fr_CH', 'fr_CA', 'fr_LU', 'de', 'de_AT', 'de_CH',
  'es', 'es_MX', 'it', 'nl', 'nl_BE', 'pt_PT', 'pt_BR', 'pl', 'sv', 'da', 'nb_NO', 'fi',
  'ga', 'cy', 'ca'];
const STOP_LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pt', 'pl', 'sv', 'da', 'no', 'fi', 'cs', 'ro', 'hu', 'hr'];

// Given names that are also everyday words, months or names of software a log mentions: alone they
// are not redacted (beside a surname or after a context word they still are).
const AMBIGUOUS = `Will Mark May June April August Grant Bill Rose Violet Lily Iris Faith Hope Joy Grace Dawn Eve Art Guy
Jack Frank Ray Rich Sky Summer Autumn Winter Storm Rain River Brook Hunter Chase Cash Max Miles Pat Sue Don Dean Drew Gene
Bob Sandy Penny Ruby Amber Jade Crystal Pearl Ivy Holly Heather Daisy Ginger Honey Angel Star Harmony Melody Destiny Justice
Liberty Trinity Unique Precious Ocean Forest Royal King Prince Duke Earl Baron Major Sterling Price Page Case Field Wood
Stone Hill Green Brown White Black Gray Grey Rust Hall Bell Lane Park Ward Rice Cook Baker Miller Carter Fisher Mason Porter
Java Julia Rust Swift Spring Jackson Jasmine Karma Mocha Chai Jest Ember Electron Express Django Flask Rails Angular React
Vue Node Deno Kafka Hadoop Spark Hive Flink Beam Airflow Luigi Celery Redis Mongo Cassandra Elastic Kibana Grafana Jenkins
Travis Circle Hudson Maven Gradle Ant Cargo Docker Helm Istio Envoy Consul Vault Nomad Terraform Vagrant Ansible Chef Puppet
Salt Apache Tomcat Jetty Netty Nginx Caddy Hibernate Lucene Solr Guava Dagger Retrofit Picasso Glide Fresco Realm Sentry
Loki Tempo Thanos Cortex Jaeger Zipkin Argo Flux Harbor Falco Calico Weave Rook Ceph Velero Linux Windows Darwin Android
Chrome Safari Opera Edge Brave Mozilla Gecko Blink Intel Apple Amazon Oracle Alexa Siri Cortana Watson Jarvis Dart Elixir
Erlang Scala Kotlin Groovy Perl Lua Ada Pascal Haskell Prolog Logo Delphi Basic Cobol Fortran Simula Alice Bash Zsh Fish
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March July September October November December
Neo Nova Luna Sol Mar Paz Luz Fe Cruz Rosa Alba  Blanca     Esperanza   
Amparo Socorro Consuelo Domingo Santos Reyes Nieves Angeles Rocio    Fleur Olive Prune  Blanche
    Engel Sommer Winter   Roman Victor Felix Titan Atlas Apollo Mercury Jupiter Saturn Venus
Orion Phoenix Pegasus Zeus Hermes Athena Minerva Diana Juno Flora Fortuna Janus Maya Kali Shiva Buddha Krishna Christian
Christ Jesus Mohammed Muhammad Allah God Lord Imran Said Sultan Emir Noble Honor Honour Patience Prudence Charity Mercy
Temperance Verity Constance Earnest Ernest Sunny Happy Lucky Goldie Misty Dusty Rocky Stormy Sparky Buddy Champ Ace Kid
Baby Boy Girl Man Son Bud Dick Pete Rob Bobby Tex Cliff Glen Dale Heath Moss Reed Rod Rush Wade Lance Sage Flint Colt
Dash Link Loop Case Fork Branch Merge Commit Push Pull Post Get Put Delete Patch Head Trace Debug Info Warn Error Fatal
Panic Abort Retry Success Done Ready Pending Active Idle Online Offline Master Main Default Admin Guest User Root Test Demo
Sample Example Alpha Beta Gamma Delta Omega Sigma Kappa Lambda Zeta Theta Iota Tau Rho Phi Chi Psi Nelson Lincoln Washington
Madison Jefferson Franklin Houston Austin Dallas Denver Phoenix Raleigh Orlando Tampa Miami Boston Chester Jersey Kent
Sydney Adelaide Florence Sienna Siena Verona Valencia Sevilla Lourdes Paris Berlin Vienna Milano Roma Lisboa Porto Geneva
Brooklyn London Chelsea Camden Devon Cornwall Shelby Kingston Preston Tyler Taylor Parker Cooper Turner Walker`.split(/\s+/);

// Latin-1 letters only: the lists then stay one-byte strings in V8, half the memory of two-byte
// ones (the Polish and other Latin Extended-A names, about 240, are left out).
const NAME = /^[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ']+(?:-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ']+)?$/u;

const stop = new Set(STOP_LANGUAGES.flatMap((l) => stopwords[l] ?? []).map((w) => w.toLowerCase()));
const ambiguous = new Set(AMBIGUOUS.map((w) => w.toLowerCase()));
const given = new Set();
const surnames = new Set();

function words(list) {
  return (list ?? []).flatMap((entry) => String(entry).split(/\s+/)).filter((w) => w.length >= 3 && NAME.test(w));
}
for (const code of LOCALES) {
  const person = allLocales[code]?.person;
  if (!person) continue;
  const first = person.first_name ?? {};
  const last = person.last_name ?? {};
  for (const w of words([...(first.generic ?? []), ...(first.female ?? []), ...(first.male ?? [])])) given.add(w);
  for (const w of words([...(last.generic ?? []), ...(last.female ?? []), ...(last.male ?? [])])) surnames.add(w);
}
const isAmbiguous = (w) => stop.has(w.toLowerCase()) || ambiguous.has(w.toLowerCase());
const givenOut = [...given].filter((w) => !isAmbiguous(w)).sort();
const ambiguousOut = [...given].filter(isAmbiguous).sort();
const surnameOut = [...surnames].filter((w) => !stop.has(w.toLowerCase())).sort();

const header = `// Generated by tools/name-gazetteer.mjs from the person name lists of @faker-js/faker
// (https://github.com/faker-js/faker, MIT licence, Copyright 2022-present Faker contributors), Latin-script
// locales of the EU languages and the common others. Do not edit by hand; re-run the script.
// Given names that are also common words (stopwords-iso, MIT; a list in the script) are kept apart.
`;
const body = `${header}
/** Given names, space-separated. */
export const GIVEN_NAMES = ${JSON.stringify(givenOut.join(' '))};

/** Given names that are also common words or software names: a name only beside a surname. Space-separated. */
export const AMBIGUOUS_GIVEN_NAMES = ${JSON.stringify(ambiguousOut.join(' '))};

/** Surnames, space-separated. */
export const SURNAMES = ${JSON.stringify(surnameOut.join(' '))};
`;
writeFileSync(new URL('../scrubbers/name-gazetteer-data.ts', import.meta.url), body);
console.log(`given ${givenOut.length}, ambiguous ${ambiguousOut.length}, surnames ${surnameOut.length}, ${Buffer.byteLength(body)} bytes`);
