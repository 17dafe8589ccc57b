SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE public.actor_aliases (
    actor_id bigint NOT NULL,
    alias text NOT NULL
);
CREATE TABLE public.actors (
    actor_id bigint NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    first_stored_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE SEQUENCE public.actors_actor_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.actors_actor_id_seq OWNED BY public.actors.actor_id;
CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE public.article_actors (
    article_id text NOT NULL,
    actor_id bigint NOT NULL,
    mentions integer NOT NULL,
    aliases text[] DEFAULT '{}'::text[] NOT NULL
);
CREATE TABLE public.article_minerals (
    article_id text NOT NULL,
    mineral_key text NOT NULL,
    mentions integer NOT NULL,
    forms text[] DEFAULT '{}'::text[] NOT NULL
);
CREATE TABLE public.article_removals (
    article_id text NOT NULL,
    "position" integer NOT NULL,
    reason text NOT NULL,
    text text NOT NULL
);
CREATE TABLE public.article_versions (
    article_id text NOT NULL,
    fetched_at timestamp with time zone NOT NULL,
    processing_version integer NOT NULL,
    raw_sha256 text NOT NULL,
    extractor_version text,
    extracted_at timestamp with time zone,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    replaced_at timestamp with time zone
);
CREATE TABLE public.articles (
    article_id text NOT NULL,
    source_kind text NOT NULL,
    source_uri text NOT NULL,
    source_name text NOT NULL,
    url text,
    fetched_at timestamp with time zone NOT NULL,
    raw_sha256 text NOT NULL,
    title text,
    published_at timestamp with time zone,
    author text,
    body text NOT NULL,
    extracted_at timestamp with time zone,
    extractor_version text,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    processing_version integer DEFAULT 0 NOT NULL,
    language text
);
CREATE TABLE public.dead_letters (
    dead_letter_id text NOT NULL,
    service text NOT NULL,
    subject text,
    source_uri text,
    reason text NOT NULL,
    payload text NOT NULL,
    payload_size integer NOT NULL,
    deliveries integer NOT NULL,
    failed_at timestamp with time zone NOT NULL,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    stream_sequence bigint,
    error_class text
);
CREATE TABLE public.minerals (
    key text NOT NULL,
    name text NOT NULL,
    category text NOT NULL
);
CREATE TABLE public.raw_articles (
    article_id text NOT NULL,
    source_kind text NOT NULL,
    source_uri text NOT NULL,
    source_name text NOT NULL,
    url text,
    fetched_at timestamp with time zone NOT NULL,
    content_type text NOT NULL,
    encoding text NOT NULL,
    content text NOT NULL,
    content_sha256 text NOT NULL,
    title_hint text,
    published_hint timestamp with time zone,
    author_hint text,
    feed_url text,
    is_feed_summary boolean DEFAULT false NOT NULL,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer
);
CREATE TABLE public.reprocess_runs (
    processing_version integer NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    selection text NOT NULL,
    articles integer NOT NULL
);
ALTER TABLE public.reprocess_runs ALTER COLUMN processing_version ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reprocess_runs_processing_version_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);
CREATE TABLE public.statement_actors (
    statement_id text NOT NULL,
    actor_id bigint NOT NULL
);
CREATE TABLE public.statement_minerals (
    statement_id text NOT NULL,
    mineral_key text NOT NULL
);
CREATE TABLE public.statements (
    statement_id text NOT NULL,
    article_id text NOT NULL,
    "position" integer NOT NULL,
    text text NOT NULL,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    speaker_actor_id bigint,
    verb text,
    is_quote boolean NOT NULL
);
CREATE VIEW public.v_actor_minerals AS
 WITH statement_actor AS (
         SELECT statement_actors.statement_id,
            statement_actors.actor_id
           FROM public.statement_actors
        UNION
         SELECT statements.statement_id,
            statements.speaker_actor_id
           FROM public.statements
          WHERE (statements.speaker_actor_id IS NOT NULL)
        )
 SELECT ac.name AS actor,
    ac.type AS actor_type,
    m.name AS mineral,
    m.category,
    count(DISTINCT s.statement_id) AS statements,
    count(DISTINCT s.article_id) AS articles,
    min(COALESCE(a.published_at, a.fetched_at)) AS first_seen,
    max(COALESCE(a.published_at, a.fetched_at)) AS last_seen
   FROM (((((statement_actor sa
     JOIN public.statements s ON ((s.statement_id = sa.statement_id)))
     JOIN public.articles a ON ((a.article_id = s.article_id)))
     JOIN public.actors ac ON ((ac.actor_id = sa.actor_id)))
     JOIN public.statement_minerals sm ON ((sm.statement_id = s.statement_id)))
     JOIN public.minerals m ON ((m.key = sm.mineral_key)))
  GROUP BY ac.name, ac.type, m.name, m.category;
COMMENT ON VIEW public.v_actor_minerals IS 'An actor (named or speaking) and a mineral in the same statement, aggregated.';
CREATE VIEW public.v_article_versions AS
 SELECT v.article_id,
    v.processing_version,
    (v.replaced_at IS NULL) AS current,
    v.fetched_at,
    v.raw_sha256,
    v.extractor_version,
    v.extracted_at,
    v.stored_at,
    v.replaced_at,
    r.started_at AS reprocess_started_at,
    r.selection AS reprocess_selection
   FROM (public.article_versions v
     LEFT JOIN public.reprocess_runs r ON ((r.processing_version = v.processing_version)));
COMMENT ON VIEW public.v_article_versions IS 'Every processing version of each article; current = the one its rows are of.';
CREATE VIEW public.v_articles AS
 SELECT article_id,
    source_name AS source,
    COALESCE(url, source_uri) AS url,
    title,
    published_at,
    author,
    fetched_at,
    ( SELECT count(*) AS count
           FROM public.statements s
          WHERE (s.article_id = a.article_id)) AS statements,
    language
   FROM public.articles a;
COMMENT ON VIEW public.v_articles IS 'One row per article; statements = its statement count; language = ISO 639-1 code (unknown: too short to tell; null: stored before detection).';
CREATE VIEW public.v_statements AS
 SELECT s.statement_id,
    s.article_id,
    a.published_at,
    a.title,
    sp.name AS speaker,
    sp.type AS speaker_type,
    s.text,
    COALESCE(( SELECT array_agg(ac.name ORDER BY ac.name) AS array_agg
           FROM (public.statement_actors sa
             JOIN public.actors ac ON ((ac.actor_id = sa.actor_id)))
          WHERE (sa.statement_id = s.statement_id)), '{}'::text[]) AS actors,
    COALESCE(( SELECT array_agg(m.name ORDER BY m.name) AS array_agg
           FROM (public.statement_minerals sm
             JOIN public.minerals m ON ((m.key = sm.mineral_key)))
          WHERE (sm.statement_id = s.statement_id)), '{}'::text[]) AS minerals
   FROM ((public.statements s
     JOIN public.articles a ON ((a.article_id = s.article_id)))
     LEFT JOIN public.actors sp ON ((sp.actor_id = s.speaker_actor_id)));
COMMENT ON VIEW public.v_statements IS 'One row per statement, with speaker, actors and minerals.';
ALTER TABLE ONLY public.actors ALTER COLUMN actor_id SET DEFAULT nextval('public.actors_actor_id_seq'::regclass);
ALTER TABLE ONLY public.actor_aliases
    ADD CONSTRAINT actor_aliases_pkey PRIMARY KEY (actor_id, alias);
ALTER TABLE ONLY public.actors
    ADD CONSTRAINT actors_pkey PRIMARY KEY (actor_id);
ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY public.article_actors
    ADD CONSTRAINT article_actors_pkey PRIMARY KEY (article_id, actor_id);
ALTER TABLE ONLY public.article_minerals
    ADD CONSTRAINT article_minerals_pkey PRIMARY KEY (article_id, mineral_key);
ALTER TABLE ONLY public.article_removals
    ADD CONSTRAINT article_removals_pkey PRIMARY KEY (article_id, "position");
ALTER TABLE ONLY public.article_versions
    ADD CONSTRAINT article_versions_pkey PRIMARY KEY (article_id, fetched_at, processing_version);
ALTER TABLE ONLY public.articles
    ADD CONSTRAINT articles_pkey PRIMARY KEY (article_id);
ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (dead_letter_id);
ALTER TABLE ONLY public.minerals
    ADD CONSTRAINT minerals_pkey PRIMARY KEY (key);
ALTER TABLE ONLY public.raw_articles
    ADD CONSTRAINT raw_articles_pkey PRIMARY KEY (article_id);
ALTER TABLE ONLY public.reprocess_runs
    ADD CONSTRAINT reprocess_runs_pkey PRIMARY KEY (processing_version);
ALTER TABLE ONLY public.statement_actors
    ADD CONSTRAINT statement_actors_pkey PRIMARY KEY (statement_id, actor_id);
ALTER TABLE ONLY public.statement_minerals
    ADD CONSTRAINT statement_minerals_pkey PRIMARY KEY (statement_id, mineral_key);
ALTER TABLE ONLY public.statements
    ADD CONSTRAINT statements_pkey PRIMARY KEY (statement_id);
ALTER TABLE ONLY public.actors
    ADD CONSTRAINT uq_actors_name_type UNIQUE (name, type);
ALTER TABLE ONLY public.statements
    ADD CONSTRAINT uq_statements_article_position UNIQUE (article_id, "position");
CREATE INDEX ix_article_actors_actor_id ON public.article_actors USING btree (actor_id);
CREATE INDEX ix_article_versions_processing_version ON public.article_versions USING btree (processing_version, article_id);
CREATE INDEX ix_dead_letters_service ON public.dead_letters USING btree (service, stored_at);
CREATE INDEX ix_statement_actors_actor_id ON public.statement_actors USING btree (actor_id);
CREATE INDEX ix_statement_minerals_mineral_key ON public.statement_minerals USING btree (mineral_key);
CREATE INDEX ix_statements_article_id ON public.statements USING btree (article_id);
CREATE INDEX ix_statements_speaker_actor_id ON public.statements USING btree (speaker_actor_id);
CREATE UNIQUE INDEX uq_dead_letters_subject_sequence ON public.dead_letters USING btree (subject, stream_sequence) WHERE (stream_sequence IS NOT NULL);
ALTER TABLE ONLY public.actor_aliases
    ADD CONSTRAINT actor_aliases_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.actors(actor_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.article_actors
    ADD CONSTRAINT article_actors_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.actors(actor_id);
ALTER TABLE ONLY public.article_actors
    ADD CONSTRAINT article_actors_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(article_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.article_minerals
    ADD CONSTRAINT article_minerals_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(article_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.article_minerals
    ADD CONSTRAINT article_minerals_mineral_key_fkey FOREIGN KEY (mineral_key) REFERENCES public.minerals(key);
ALTER TABLE ONLY public.article_removals
    ADD CONSTRAINT article_removals_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(article_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.article_versions
    ADD CONSTRAINT article_versions_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(article_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.statement_actors
    ADD CONSTRAINT statement_actors_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.actors(actor_id);
ALTER TABLE ONLY public.statement_actors
    ADD CONSTRAINT statement_actors_statement_id_fkey FOREIGN KEY (statement_id) REFERENCES public.statements(statement_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.statement_minerals
    ADD CONSTRAINT statement_minerals_mineral_key_fkey FOREIGN KEY (mineral_key) REFERENCES public.minerals(key);
ALTER TABLE ONLY public.statement_minerals
    ADD CONSTRAINT statement_minerals_statement_id_fkey FOREIGN KEY (statement_id) REFERENCES public.statements(statement_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.statements
    ADD CONSTRAINT statements_article_id_fkey FOREIGN KEY (article_id) REFERENCES public.articles(article_id) ON DELETE CASCADE;
ALTER TABLE ONLY public.statements
    ADD CONSTRAINT statements_speaker_actor_id_fkey FOREIGN KEY (speaker_actor_id) REFERENCES public.actors(actor_id);
GRANT USAGE ON SCHEMA public TO orewatch_app;
GRANT USAGE ON SCHEMA public TO orewatch_reader;
GRANT SELECT,INSERT ON TABLE public.actor_aliases TO orewatch_app;
GRANT SELECT,INSERT,UPDATE ON TABLE public.actors TO orewatch_app;
GRANT USAGE ON SEQUENCE public.actors_actor_id_seq TO orewatch_app;
GRANT SELECT,INSERT,DELETE ON TABLE public.article_actors TO orewatch_app;
GRANT SELECT,INSERT,DELETE ON TABLE public.article_minerals TO orewatch_app;
GRANT SELECT,INSERT,DELETE ON TABLE public.article_removals TO orewatch_app;
GRANT SELECT,INSERT,UPDATE ON TABLE public.article_versions TO orewatch_app;
GRANT SELECT,INSERT,UPDATE ON TABLE public.articles TO orewatch_app;
GRANT SELECT,INSERT,UPDATE ON TABLE public.dead_letters TO orewatch_app;
GRANT SELECT,INSERT,UPDATE ON TABLE public.minerals TO orewatch_app;
GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_articles TO orewatch_app;
GRANT SELECT,INSERT ON TABLE public.reprocess_runs TO orewatch_app;
GRANT USAGE ON SEQUENCE public.reprocess_runs_processing_version_seq TO orewatch_app;
GRANT SELECT,INSERT ON TABLE public.statement_actors TO orewatch_app;
GRANT SELECT,INSERT ON TABLE public.statement_minerals TO orewatch_app;
GRANT SELECT,INSERT,DELETE ON TABLE public.statements TO orewatch_app;
GRANT SELECT ON TABLE public.v_actor_minerals TO orewatch_reader;
GRANT SELECT ON TABLE public.v_article_versions TO orewatch_reader;
GRANT SELECT ON TABLE public.v_articles TO orewatch_reader;
GRANT SELECT ON TABLE public.v_statements TO orewatch_reader;
